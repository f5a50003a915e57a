internal import TokenVaultStore

extension StoreLocation {
    /// Reads where a vault is, as `--vault` or `TOKENVAULT_PATH` names it: a `postgresql://`
    /// (or `postgres://`) connection URI, or else a file path.
    ///
    /// Anything else that starts like a URL (`SCHEME://`) is refused rather than taken as a
    /// relative path: that would make folders named after the URL, a password in it included.
    /// The text is never repeated in an error.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for another scheme's URL, or a PostgreSQL URI
    ///   that does not parse or carries a password; ``VaultError/Kind/failed`` without libpq.
    init(vault text: String) throws(VaultError) {
        guard !text.isEmpty else { throw VaultError(.invalidInput, "the vault's location is empty") }
        guard let scheme = Self.urlScheme(of: text) else {
            self = .file(text)
            return
        }
        guard PostgresLocation.isPostgresURI(text) else {
            throw VaultError(.invalidInput, "the vault is a file path or a postgresql:// URI, not a \(printable(scheme)):// URL")
        }
        do { self = .postgresql(try PostgresLocation(parsing: text)) } catch { throw VaultError(postgres: error) }
    }

    /// The scheme of `text` when it starts like a URL (`SCHEME://`, RFC 3986's scheme
    /// characters), else nil.
    private static func urlScheme(of text: String) -> String? {
        guard let separator = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound].utf8
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        guard let first = scheme.first, isLetter(first),
            scheme.allSatisfy({
                isLetter($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            })
        else { return nil }
        return String(decoding: scheme, as: UTF8.self)
    }
}
