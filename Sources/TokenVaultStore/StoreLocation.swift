/// Where a database is: an SQLite file, or a schema of a PostgreSQL database.
///
/// ```swift
/// let queue = try DatabaseQueue(location: .file("/var/lib/tokenvault/vault.db"), options: .init())
/// ```
public enum StoreLocation: Sendable, Hashable {
    /// An SQLite file, by path.
    case file(String)
    /// A PostgreSQL database; the tables live in the connection's current schema.
    case postgresql(PostgresLocation)

    /// The engine that serves this location.
    public var engine: StoreEngine {
        switch self {
        case .file: .sqlite
        case .postgresql: .postgresql
        }
    }
}

extension Connection {
    /// Opens the SQLite file or connects to the PostgreSQL schema at `location`.
    ///
    /// - Throws: ``StoreError``.
    public convenience init(location: StoreLocation, options: Options) throws(StoreError) {
        switch location {
        case .file(let path): try self.init(path: path, options: options)
        case .postgresql(let postgres): try self.init(location: postgres, options: options)
        }
    }
}
