/// A failure to reach or use a PostgreSQL database, reduced to what is safe to show.
///
/// The message is TokenVault's own fixed text for the ``Kind``: a server's message may quote the
/// values of a failed statement, and libpq's may quote the connection string, so neither is ever
/// repeated. A refused statement keeps its SQLSTATE (`23505`), which names the condition only.
///
/// ```swift
/// do { let connection = try PostgresConnection(location: location) }
/// catch let error as PostgresError where error.kind == .unreachable { … retry later … }
/// ```
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the database could not be used.
    public enum Kind: Sendable, Equatable {
        /// The location is not a PostgreSQL connection URI libpq accepts.
        case invalidLocation
        /// The location carries a password (`user:password@`, `?password=`, `sslpassword`).
        case passwordInLocation
        /// libpq (`libpq.so.5`) is not installed.
        case libraryMissing
        /// No server answered: down, starting or shutting down, out of connection slots, or the
        /// host, port or socket folder is wrong. Worth retrying.
        case unreachable
        /// The server answered and refused the login: authentication, `pg_hba.conf`, an unknown role.
        case refused
        /// The server has no database of that name.
        case databaseMissing
        /// The server is older than PostgreSQL 13.
        case unsupportedServer
        /// The connection broke while a statement ran: its outcome is the server's to know.
        case connectionLost
        /// The server refused a statement; ``PostgresError/sqlState`` says why.
        case statementFailed
        /// A result column of a type this module does not read (a statement should cast it).
        case unsupportedType
    }

    /// What went wrong.
    public let kind: Kind
    /// The SQLSTATE of a refused statement (five characters), else nil.
    public let sqlState: String?

    public init(_ kind: Kind, sqlState: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
    }

    /// One line for people, without anything a server or the connection string said.
    public var description: String {
        switch kind {
        case .invalidLocation: "not a valid PostgreSQL connection URI"
        case .passwordInLocation: "the PostgreSQL URI carries a password"
        case .libraryMissing: "PostgreSQL's client library (libpq.so.5) is not installed"
        case .unreachable: "the PostgreSQL server cannot be reached (down, starting, out of connection slots, or a wrong address)"
        case .refused: "the PostgreSQL server refused the login (authentication, pg_hba.conf or an unknown role)"
        case .databaseMissing: "the PostgreSQL database does not exist"
        case .unsupportedServer: "the PostgreSQL server is older than version 13"
        case .connectionLost: "the connection to the PostgreSQL server broke during a statement"
        case .statementFailed: "PostgreSQL refused a statement (SQLSTATE \(sqlState ?? "unknown"))"
        case .unsupportedType: "a PostgreSQL result column has a type TokenVault does not read"
        }
    }

    /// Whether the SQLSTATE is `unique_violation`.
    public var isUniqueViolation: Bool { sqlState == "23505" }
}
