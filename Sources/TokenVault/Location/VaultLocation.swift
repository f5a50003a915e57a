internal import TokenVaultStore

/// Where a vault is kept, as `--vault` or `TOKENVAULT_PATH` names it: a file path, or a
/// `postgresql://` connection URI.
///
/// Anything else that starts like a URL (`SCHEME://`) is refused rather than taken as a relative
/// path: that would make folders named after the URL, a password in it included.
enum VaultLocation {
    case file(String)
    case postgresql(PostgresLocation)

    /// Reads a location. The text is never repeated in an error: a URL may carry a password.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for another scheme's URL, a PostgreSQL URI that
    ///   does not parse or carries a password.
    init(parsing text: String) throws(VaultError) {
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

extension Vault {
    /// The vault file a location names. Every way of creating or opening a vault starts here.
    ///
    /// A PostgreSQL location is checked as far as this version goes, the way a vault kept there
    /// will be opened: the server is reached and the connection's schema read, so a wrong
    /// address, login or database, or a schema holding another application's tables, is told
    /// apart. Then it is refused: PostgreSQL storage is not built yet.
    ///
    /// - Throws: as ``VaultLocation/init(parsing:)`` and ``PostgresVaultCatalog/inspect(_:)``;
    ///   ``VaultError/Kind/invalidInput`` for a PostgreSQL location that passes every check.
    static func vaultFile(_ text: String, creating: Bool) throws(VaultError) -> String {
        switch try VaultLocation(parsing: text) {
        case .file(let path): return path
        case .postgresql(let location):
            let schema = try PostgresVaultCatalog.inspect(location)
            try schema.require(creating: creating)
            throw VaultError(
                .invalidInput,
                "this version of tokenvault keeps vaults in SQLite files only: PostgreSQL storage is not built yet (the database was reached and checked)"
            )
        }
    }
}
