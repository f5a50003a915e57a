internal import TokenVaultCrypto

/// Validation of the short texts a vault stores: names, scope parts, labels, actors.
///
/// Every rule rejects control characters, so that nothing stored can forge a line in a
/// table, a log or the CSV export, or move a terminal's cursor.
enum Labels {
    /// A credential's (or, with `what`, a principal's) name: 1–50 characters, no control
    /// characters, no outer whitespace, not starting with `-` (it would read as an option).
    static func name(_ text: String, what: String = "credential name") throws(VaultError) -> String {
        let count = text.unicodeScalars.count
        guard count >= 1 else { throw .invalid("a \(what) cannot be empty") }
        guard count <= 50 else {
            throw .invalid("\(what) is \(count) characters long; the limit is 50")
        }
        try checkCharacters(text, what: what)
        guard text.first != "-" else {
            throw .invalid("\(what) '\(printable(text))' cannot start with '-'")
        }
        return text
    }

    /// A principal's name: the rules of a credential's.
    static func principalName(_ text: String) throws(VaultError) -> String {
        try name(text, what: "principal name")
    }

    /// A systemd unit's name, as PID 1 gives it in a credential request: 1–255 characters of
    /// `A–Z a–z 0–9 : _ . @ \\ -`, with a type suffix (`connector.service`).
    static func unitName(_ text: String) throws(VaultError) -> String {
        let allowed = text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "\\"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
        guard allowed, (1...255).contains(text.utf8.count), let dot = text.lastIndex(of: "."), dot != text.startIndex,
            text.index(after: dot) != text.endIndex
        else {
            throw .invalid("invalid unit name '\(printable(text))': use a systemd unit's full name, as in connector.service")
        }
        return text
    }

    /// A certificate's SHA-256 fingerprint: 64 hex digits, with or without `:` between bytes
    /// (as `openssl x509 -fingerprint -sha256` prints it), returned as lowercase hex.
    static func certificateFingerprint(_ text: String) throws(VaultError) -> String {
        var hex = text.lowercased()
        if hex.hasPrefix("sha256:") { hex.removeFirst(7) }
        if hex.hasPrefix("sha256 fingerprint=") { hex.removeFirst(19) }
        hex.removeAll { $0 == ":" }
        guard hex.utf8.count == 64, Hex.decode(hex.utf8) != nil else {
            throw .invalid(
                "invalid certificate fingerprint '\(printable(text))': use its SHA-256 in hex (openssl x509 -noout -fingerprint -sha256)"
            )
        }
        return hex
    }

    /// A project or resource of a grant or need: 1–100 characters, no `:`.
    static func scopePart(_ text: String, what: String) throws(VaultError) -> String {
        guard !text.isEmpty, text.unicodeScalars.count <= 100 else {
            throw .invalid("\(what) must be 1 to 100 characters")
        }
        try checkCharacters(text, what: what)
        guard !text.utf8.contains(UInt8(ascii: ":")) else { throw .invalid("\(what) '\(printable(text))' cannot contain ':'") }
        return text
    }

    /// A free-text label (description, issuer, actor) of at most `limit` characters.
    static func label(_ text: String, what: String, limit: Int) throws(VaultError) -> String {
        guard !text.isEmpty, text.unicodeScalars.count <= limit else {
            throw .invalid("\(what) must be 1 to \(limit) characters")
        }
        try checkCharacters(text, what: what)
        return text
    }

    /// An API URL: http(s), no whitespace, at most 2,048 characters.
    static func url(_ text: String) throws(VaultError) -> String {
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), text.utf8.count <= 2_048,
            !text.unicodeScalars.contains(where: { $0.properties.isWhitespace })
        else {
            throw .invalid("invalid API URL '\(printable(text))': use an http(s) URL, as in https://erp.example.com/api")
        }
        try checkCharacters(text, what: "API URL")
        return text
    }

    private static func checkCharacters(_ text: String, what: String) throws(VaultError) {
        // Printable ASCII, the usual case (and every name and scope read back on a fetch), needs
        // no Unicode property lookups: only a space at either end is wrong.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            guard text.utf8.first != 0x20 && text.utf8.last != 0x20 else { throw outerWhitespace(text, what: what) }
            return
        }
        if text.unicodeScalars.contains(where: isForbidden) {
            throw .invalid("\(what) '\(printable(text))' contains a control character")
        }
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        {
            throw outerWhitespace(text, what: what)
        }
    }

    private static func outerWhitespace(_ text: String, what: String) -> VaultError {
        .invalid("\(what) '\(printable(text))' cannot start or end with whitespace")
    }

    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
            return true
        default:
            return false
        }
    }
}
