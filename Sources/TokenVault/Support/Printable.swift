internal import TokenVaultSystem

/// Makes user input or stored text safe to echo in a one-line error (``DisplayText``), cut to
/// `limit` characters.
func printable(_ text: String, limit: Int = 60) -> String {
    DisplayText.clean(text, limit: limit)
}
