internal import Synchronization

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
///
/// ## Durability
///
/// With ``Connection/Durability/full`` (the default) no write returns before its commit is
/// durable. The queue commits at `synchronous = NORMAL` and then syncs the WAL itself, with the
/// same call SQLite makes inside `COMMIT` at `FULL` (``Connection/syncWriteAheadLog()``). The
/// difference is where the `fsync` runs. A write alone syncs at once, as `FULL` would. A group
/// of writes with more waiting behind it syncs after handing the connection to the next group
/// (``groupedWrite(_:)``), so that one group's `fsync` overlaps the next group's work instead
/// of holding SQLite's write lock through it. One `fsync` that begins after a commit covers it,
/// whichever connection or process makes it, so overlapping syncs coalesce.
///
/// A committed transaction is visible to other connections up to one `fsync` before it is
/// durable; it is never *returned* before. If a sync fails, what it covered may or may not be
/// on disk, and later commits could follow a hole: the queue then refuses every further
/// operation with that error, and the vault must be opened again (after which SQLite recovers
/// whatever the WAL holds).
public final class DatabaseQueue: @unchecked Sendable {
    // @unchecked Sendable: `connection` is touched only with `lock` held; `syncConnection`,
    // `durableThrough` and `injectedSyncFailure` only with `syncLock` held (taken after `lock`,
    // never before it); `syncFailure` only with `failureLock` held (taken last, and never held
    // across a call); the counters are atomic; the other stored properties are constants.
    private let lock = Lock()
    private let connection: Connection
    private let group = GroupCommit()
    private let path: String
    private let options: Connection.Options
    /// Whether the queue syncs the WAL after each write commit (``Connection/Durability/full``).
    private let syncsCommits: Bool
    /// Write transactions committed so far (read by a sync without taking `lock`, which the
    /// next group holds while it runs).
    private let commitsWritten = Atomic<Int>(0)
    private let syncLock = Lock()
    /// A second connection, opened at the first overlapped sync, whose WAL handle makes the
    /// syncs that run while `connection` serves the next group.
    private var syncConnection: Connection?
    /// Every commit counted up to here is durable.
    private var durableThrough = 0
    /// The first failed sync: from then on every operation fails with it. Behind a lock of its
    /// own, which is never held across I/O: a transaction checks it without waiting for a sync.
    private let failureLock = Lock()
    private var syncFailure: StoreError?
    /// Atomic, like `commitsWritten`: a leader counts here without waiting for a sync in flight.
    private let handedOverCount = Atomic<Int>(0)
    /// Handed-over syncs not yet finished.
    private let syncsUnderWay = Atomic<Int>(0)
    private var injectedSyncFailure: StoreError?

    /// Opens the database at `path`.
    ///
    /// - Throws: ``StoreError`` when the file cannot be opened or is not a database.
    public init(path: String, options: Connection.Options) throws(StoreError) {
        self.path = path
        self.options = options
        syncsCommits = options.durability == .full
        var connectionOptions = options
        if syncsCommits { connectionOptions.durability = .normal }
        connection = try Connection(path: path, options: connectionOptions)
    }

    /// Runs `body` in an IMMEDIATE transaction and commits when it returns.
    ///
    /// If `body` throws, or the commit fails, the transaction is rolled back and nothing
    /// `body` wrote remains: this is what keeps an operation and its audit event together.
    ///
    /// - Throws: what `body` throws, or ``StoreError`` (`SQLITE_BUSY` once the busy
    ///   timeout has passed; `SQLITE_IOERR_FSYNC` when the commit could not be made durable).
    public func write<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try transaction("BEGIN IMMEDIATE", body)
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
    /// after the transaction committed and (with ``Connection/Durability/full``) was synced; if
    /// the commit or the sync fails, every write of the transaction fails with that error.
    ///
    /// - Throws: what `body` throws, or ``StoreError`` when the transaction cannot begin, commit
    ///   or be made durable.
    public func groupedWrite<T: Sendable>(_ body: (Connection, Savepoint) throws -> T) throws -> T {
        try group.submit(body) { writes, othersWaiting in
            lock.withLock { runGroup(writes, othersWaiting: othersWaiting) }
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

    /// Writes waiting to join the next group; groups run so far; groups that committed with
    /// others waiting and so owed their sync after handing the connection on (for tests).
    var groupedWritesWaiting: Int { group.waitingCount }
    var groupsRun: Int { group.groupsRun }
    var syncsHandedOver: Int { handedOverCount.load(ordering: .relaxed) }

    /// Fault injection for tests: while set, every sync fails with this error instead of syncing.
    var failSyncs: StoreError? {
        get { syncLock.withLock { injectedSyncFailure } }
        set { syncLock.withLock { injectedSyncFailure = newValue } }
    }

    /// Runs a group's writes in one transaction; called with the lock held. Returns the sync
    /// still owed when the group committed with others waiting (see ``GroupCommit``).
    private func runGroup(_ writes: [GroupCommit.PendingWrite], othersWaiting: () -> Bool) -> GroupCommit.OwedSync? {
        do {
            let commit = try inTransaction("BEGIN IMMEDIATE") { db in
                for write in writes {
                    try db.run("SAVEPOINT grouped_write")
                    if !write.run(db, Savepoint(connection: db)) { try db.run("ROLLBACK TO grouped_write") }
                    try db.run("RELEASE grouped_write")
                }
            }.commit
            guard let commit, syncsCommits else { return nil }
            // Hand over when the connection would otherwise sit idle through the fsync while
            // others want it: writes are waiting, or a sync is already under way (whose callers
            // will be back soon). A write alone, as in a CLI process, syncs in place.
            if othersWaiting() || syncsUnderWay.load(ordering: .acquiring) > 0 {
                handedOverCount.add(1, ordering: .relaxed)
                syncsUnderWay.add(1, ordering: .releasing)
                return GroupCommit.OwedSync { [self] in
                    defer { syncsUnderWay.subtract(1, ordering: .releasing) }
                    try makeDurable(commit, through: nil)
                }
            }
            try makeDurable(commit, through: connection)
            return nil
        } catch {
            // BEGIN, a savepoint, COMMIT or the sync failed (or SQLite rolled the transaction
            // back itself, as it may on a full disk): none of the group's writes is acknowledged.
            for write in writes where !write.hasFailed { write.fail(error) }
            return nil
        }
    }

    /// Runs `body` in a DEFERRED (read) transaction: a consistent snapshot.
    public func read<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try transaction("BEGIN DEFERRED", body)
    }

    /// Runs `body` with the connection and no transaction (for pragmas and checkpoints; a
    /// write made here is not synced by the queue).
    public func withConnection<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { () throws -> T in try body(connection) }
    }

    private func transaction<T: Sendable>(_ begin: String, _ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { () throws -> T in
            let (value, commit) = try inTransaction(begin, body)
            if let commit, syncsCommits { try makeDurable(commit, through: connection) }
            return value
        }
    }

    /// Begins, runs `body`, commits; rolls back when either throws. Called with the lock held.
    /// `commit` numbers the commit when it appended to the WAL (and so owes a sync).
    private func inTransaction<T>(_ begin: String, _ body: (Connection) throws -> T) throws -> (value: T, commit: Int?) {
        if let failure = failureLock.withLock({ syncFailure }) { throw failure }
        let db = connection
        try db.run(begin)
        do {
            let value = try body(db)
            let wrote = db.hasPendingWrite
            try db.run("COMMIT")
            return (value, wrote ? commitsWritten.add(1, ordering: .releasing).newValue : nil)
        } catch {
            if db.isInTransaction { try? db.run("ROLLBACK") }
            throw error
        }
    }

    /// Makes commit number `commit` durable. Every sync goes through here, one at a time:
    ///
    /// - a sync that began after that commit (a later group's, waited for here) covers it, and
    ///   then none is made;
    /// - after a failed sync none succeeds: what it covered may be lost, and a later commit
    ///   could follow a hole in the WAL.
    ///
    /// - Parameter connection: the queue's connection, when the caller holds the lock; nil for
    ///   a sync made with the lock released (while the connection serves the next group),
    ///   which goes through a second connection's handle on the same WAL.
    private func makeDurable(_ commit: Int, through connection: Connection?) throws(StoreError) {
        try syncLock.withLock { () throws(StoreError) in
            if let failure = failureLock.withLock({ syncFailure }) { throw failure }
            guard durableThrough < commit else { return }
            // Every commit counted by now has written its frames: one sync covers them all.
            let written = commitsWritten.load(ordering: .acquiring)
            do throws(StoreError) {
                if let injectedSyncFailure { throw injectedSyncFailure }
                if let connection {
                    try connection.syncWriteAheadLog()
                } else {
                    if syncConnection == nil { syncConnection = try Connection(path: path, options: options) }
                    try syncConnection?.syncWriteAheadLog()
                }
            } catch {
                failureLock.withLock { syncFailure = error }
                throw error
            }
            durableThrough = written
        }
    }
}
