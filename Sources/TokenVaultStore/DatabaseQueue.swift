/// The `Sendable` owner of one ``Connection``: every access goes through a mutex, so
/// a vault can be used from any thread or task without an actor hop.
///
/// Writes run in transactions that take the write lock up front (SQLite's `BEGIN IMMEDIATE`,
/// PostgreSQL's writer lock, ``Connection/beginWrite()``): two processes never both read a
/// stale state and then race to write it (no lost update).
///
/// ```swift
/// let queue = try DatabaseQueue(path: path, options: .init())
/// try queue.write { db in
///     try db.execute("INSERT INTO t(x) VALUES (?)", [1])
/// }
/// ```
public final class DatabaseQueue: @unchecked Sendable {
    // @unchecked Sendable: `connection` is not Sendable, and it is touched only inside
    // `lock.withLock`, which serialises every use of it across threads.
    private let lock = Lock()
    private var connection: Connection
    /// Where a broken PostgreSQL connection reconnects (nil for SQLite, which cannot break).
    private let reconnection: (location: StoreLocation, options: Connection.Options)?
    private let group = GroupCommit()

    /// Opens the database at `path`.
    ///
    /// - Throws: ``StoreError`` when the file cannot be opened or is not a database.
    public init(path: String, options: Connection.Options) throws(StoreError) {
        connection = try Connection(path: path, options: options)
        reconnection = nil
    }

    /// Opens the SQLite file or connects to the PostgreSQL schema `location` names.
    ///
    /// - Throws: ``StoreError``.
    ///
    /// A PostgreSQL connection that broke (a server restarted, a backend terminated) is replaced
    /// by a new one before the next transaction begins; a transaction it broke is never run again:
    /// it failed, and its caller was told.
    public init(location: StoreLocation, options: Connection.Options) throws(StoreError) {
        connection = try Connection(location: location, options: options)
        reconnection = location.engine == .postgresql ? (location, options) : nil
    }

    /// The engine behind the queue's connection.
    public var engine: StoreEngine { connection.engine }

    /// Runs `body` in an IMMEDIATE transaction and commits when it returns.
    ///
    /// If `body` throws, or the commit fails, the transaction is rolled back and nothing
    /// `body` wrote remains: this is what keeps an operation and its audit event together.
    ///
    /// - Throws: what `body` throws, or ``StoreError`` (`SQLITE_BUSY` once the busy
    ///   timeout has passed).
    public func write<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { () throws -> T in try inTransaction(write: true, body) }
    }

    /// Runs `body` like ``write(_:)``, but lets writes submitted by other threads at the same
    /// time share its transaction and its commit (group commit).
    ///
    /// ```swift
    /// // Called from many threads at once: one fsync for all the writes waiting together.
    /// let id = try queue.groupedWrite { db, _ in
    ///     try db.execute("INSERT INTO events (what) VALUES (?)", ["fetch"])
    ///     return db.lastInsertedRowID
    /// }
    /// ```
    ///
    /// `body` runs in a savepoint of an IMMEDIATE transaction, which it may roll back and go on
    /// (``Savepoint/rollBack()``). If it throws, what it wrote is rolled back and its error
    /// thrown; the other writes of the transaction are not affected. Its value is returned only
    /// after the transaction committed; if the commit fails, every write of the transaction
    /// fails with that error and none of them remains.
    ///
    /// - Throws: what `body` throws, or ``StoreError`` when the transaction cannot begin or commit.
    public func groupedWrite<T: Sendable>(_ body: (Connection, Savepoint) throws -> T) throws -> T {
        try group.submit(body) { writes in
            lock.withLock { runGroup(writes) }
        }
    }

    /// The savepoint a grouped write runs in.
    public struct Savepoint {
        let connection: Connection

        /// Undoes everything the write did so far; the write goes on in the same savepoint.
        public func rollBack() throws(StoreError) {
            try connection.run("ROLLBACK TO grouped_write")
        }
    }

    /// Writes waiting to join the next group; groups run so far (for tests).
    var groupedWritesWaiting: Int { group.waitingCount }
    var groupsRun: Int { group.groupsRun }

    /// Grouped commits so far and the writes they held: their ratio is the mean group size.
    public var commitTotals: (groups: Int, writes: Int) { group.totals }

    /// Runs a group's writes in one transaction; called with the lock held.
    private func runGroup(_ writes: [GroupCommit.PendingWrite]) {
        do {
            try inTransaction(write: true) { db in
                for write in writes {
                    try db.run("SAVEPOINT grouped_write")
                    if !write.run(db, Savepoint(connection: db)) { try db.run("ROLLBACK TO grouped_write") }
                    try db.run("RELEASE grouped_write")
                }
            }
        } catch {
            // BEGIN, a savepoint or COMMIT failed (or SQLite rolled the transaction back itself,
            // as it may on a full disk): none of the group's writes remains.
            for write in writes where !write.hasFailed { write.fail(error) }
        }
    }

    /// Runs `body` in a DEFERRED (read) transaction: a consistent snapshot, in which the
    /// connection is read-only (`PRAGMA query_only`): a write inside `body` fails with
    /// `SQLITE_READONLY` instead of quietly turning the read into a write.
    public func read<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { () throws -> T in
            let db = connection
            db.refusesWrites = true
            defer { db.refusesWrites = false }
            return try inTransaction(write: false, body)
        }
    }

    /// Runs `body` with the connection and no transaction (for pragmas and checkpoints).
    public func withConnection<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { () throws -> T in
            if let reconnection, connection.isBroken {
                connection = try Connection(location: reconnection.location, options: reconnection.options)
            }
            return try body(connection)
        }
    }

    /// Begins, runs `body`, commits; rolls back when either throws. Called with the lock held.
    private func inTransaction<T>(write: Bool, _ body: (Connection) throws -> T) throws -> T {
        if let reconnection, connection.isBroken {
            connection = try Connection(location: reconnection.location, options: reconnection.options)
        }
        let db = connection
        if write { try db.beginWrite() } else { try db.beginRead() }
        do {
            let value = try body(db)
            try db.commit()
            return value
        } catch {
            db.rollBack()
            throw error
        }
    }
}
