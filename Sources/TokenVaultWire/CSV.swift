internal import TokenVault
internal import TokenVaultSystem

/// Comma-separated values (RFC 4180), safe to open in a spreadsheet.
///
/// ```swift
/// CSV.line(["1", "=SUM(A1)", "a,b"])  // "1,'=SUM(A1),\"a,b\"\n"
/// ```
package enum CSV {
    /// One record: the fields, each made safe by ``field(_:)``, and a newline.
    package static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }

    /// A field as stored text is shown everywhere (``DisplayText``: no control character, no
    /// bidirectional override), a leading `'` before `=`, `+`, `-`, `@` so that a spreadsheet
    /// never evaluates it as a formula (CSV injection), and RFC 4180 quoting.
    package static func field(_ text: String) -> String {
        var text = DisplayText.clean(text)
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" }) else { return text }
        var quoted = "\""
        for character in text { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }
}
