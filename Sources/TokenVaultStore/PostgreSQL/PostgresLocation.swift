internal import CPostgres

/// Where a vault kept in PostgreSQL lives: a `postgresql://` (or `postgres://`) connection URI,
/// checked to carry no password.
///
/// Any URI libpq accepts will do: `postgresql:///vaults?host=/run/postgresql` for a local Unix
/// socket, `postgresql://tokenvault@db1,db2/vaults?target_session_attrs=read-write` for a
/// primary among several hosts. The vault's tables live in the connection's current schema
/// (`options=-csearch_path%3Dname` picks another than `public`).
///
/// ```swift
/// let location = try PostgresLocation(parsing: "postgresql:///vaults?host=/run/postgresql")
/// let connection = try PostgresConnection(location: location)
/// ```
///
/// - Important: a password in the URI would be in the command line of every process given it,
///   readable by every local user in `/proc`, and in shell histories. It is refused; use a
///   password file (`passfile=`, `PGPASSFILE`, `~/.pgpass`, mode 0600) or a client certificate
///   (`sslcert`, `sslkey`) instead.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// The URI as given. It holds no password, so it may be shown and logged.
    public let uri: String

    /// Parses and checks a connection URI; libpq is loaded to parse it exactly as it will connect.
    ///
    /// - Throws: ``PostgresError/Kind/passwordInLocation`` for a URI with a password (also one that
    ///   does not parse otherwise); ``PostgresError/Kind/invalidLocation`` for one libpq refuses
    ///   or that is no `postgresql://` URI at all; ``PostgresError/Kind/libraryMissing``.
    public init(parsing text: String) throws(PostgresError) {
        guard Self.isPostgresURI(text) else { throw PostgresError(.invalidLocation) }
        // Before libpq: a URI that libpq will refuse for another reason still gets the hint.
        if Self.hasUserPassword(text) { throw PostgresError(.passwordInLocation) }
        try PostgresLibrary.load()
        for keyword in ["password", "sslpassword"] {
            switch cpq_conninfo_value(text, keyword, nil, 0, nil, 0) {
            case 0: continue
            case 1: throw PostgresError(.passwordInLocation)
            default: throw PostgresError(.invalidLocation)
            }
        }
        uri = text
    }

    public var description: String { uri }

    /// Whether `text` starts with `postgresql://` or `postgres://` (any case).
    public static func isPostgresURI(_ text: String) -> Bool {
        let lowered = text.prefix(13).lowercased()
        return lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://")
    }

    /// A password in the authority's user information: `user:password@host`.
    private static func hasUserPassword(_ text: String) -> Bool {
        guard let start = text.firstRange(of: "://")?.upperBound else { return false }
        let authority = text[start...].prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }
}

/// libpq, opened on first use.
enum PostgresLibrary {
    /// Opens libpq once per process.
    ///
    /// - Throws: ``PostgresError/Kind/libraryMissing`` when it is not installed (or too old).
    static func load() throws(PostgresError) {
        guard cpq_load(nil, 0) == 0 else { throw PostgresError(.libraryMissing) }
    }
}
