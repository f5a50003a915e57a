import Synchronization

/// The `Sendable` owner of one ``Connection``: every access goes through a mutex, so
/// a vault can be used from any thread or task without an actor hop.
///
/// Writes run in `BEGIN IMMEDIATE` transactions, which take the write lock up front: two
/// processes never both read a stale state and then race to write it (no lost update).
///
/// ```swift
/// let queue = try DatabaseQueue(path: path, options: .init())
/// try queue.write { db in
///     try db.execute("INSERT INTO t(x) VALUES (?)", [1])
/// }
/// ```
public final class DatabaseQueue: @unchecked Sendable {
    // @unchecked Sendable: `connection` is not Sendable, and it is touched only inside
    // `lock.withLock`, which serialises every use of it across threads. (A
    // `Mutex<Connection>` cannot hand its value to a caller's closure under Swift 6's
    // region rules, hence the separate lock.)
    private let lock = Mutex<Void>(())
    private let connection: Connection

    /// Opens the database at `path`.
    ///
    /// - Throws: ``StoreError`` when the file cannot be opened or is not a database.
    public init(path: String, options: Connection.Options) throws(StoreError) {
        connection = try Connection(path: path, options: options)
    }

    /// Runs `body` in an IMMEDIATE transaction and commits when it returns.
    ///
    /// If `body` throws, or the commit fails, the transaction is rolled back and nothing
    /// `body` wrote remains: this is what keeps an operation and its audit event together.
    ///
    /// - Throws: what `body` throws, or ``StoreError`` (`SQLITE_BUSY` once the busy
    ///   timeout has passed).
    public func write<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try transaction("BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a DEFERRED (read) transaction: a consistent snapshot.
    public func read<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try transaction("BEGIN DEFERRED", body)
    }

    /// Runs `body` with the connection and no transaction (for pragmas and checkpoints).
    public func withConnection<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ throws -> T in try body(connection) }
    }

    private func transaction<T: Sendable>(_ begin: String, _ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ throws -> T in
            let db = connection
            try db.run(begin)
            do {
                let value = try body(db)
                try db.run("COMMIT")
                return value
            } catch {
                if db.isInTransaction { try? db.run("ROLLBACK") }
                throw error
            }
        }
    }
}
