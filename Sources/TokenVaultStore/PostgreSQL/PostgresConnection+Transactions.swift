/// Transactions on PostgreSQL, and the one lock that serialises a vault's writers.
///
/// A vault's audit trail is a hash chain: each append reads the head and writes the next event
/// after it. Two writers that both read the same head would fork the chain. On SQLite the file's
/// write lock (`BEGIN IMMEDIATE`) keeps that from happening; on PostgreSQL every write
/// transaction takes a transaction-scoped advisory lock first, keyed by the schema the vault
/// lives in, so that all writers of one vault — threads, processes, service instances on other
/// hosts — take turns, and the lock is released by the COMMIT or ROLLBACK that ends the
/// transaction (also when the session dies). Writes run at READ COMMITTED: every statement
/// after the lock sees what the previous holder committed.
///
/// ```swift
/// try connection.write {
///     let head = try connection.rows("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1")
///     try connection.execute("INSERT INTO chain VALUES ($1, $2)", [next, hash(head)])
/// }
/// ```
extension PostgresConnection {
    /// The advisory lock's first key: "TVLT", so that it does not meet another application's
    /// advisory locks keyed by small numbers; the second is the hash of the current schema.
    static let writerLockClass: Int32 = 0x5456_4C54

    /// Runs `body` in a transaction that holds the vault's writer lock, and commits when it
    /// returns. If `body` throws or the commit fails, everything is rolled back.
    ///
    /// - Parameter lockTimeoutMilliseconds: how long to wait for another writer's lock before
    ///   failing with SQLSTATE 55P03 (`lock_not_available`), as SQLite's busy timeout.
    /// - Throws: what `body` throws; ``PostgresError`` when the transaction cannot begin or
    ///   commit: ``PostgresError/Kind/connectionLost`` during the COMMIT means its outcome is
    ///   unknown (never retried: a retry could apply it twice).
    public func write<T>(lockTimeoutMilliseconds: Int32 = 5_000, _ body: () throws -> T) throws -> T {
        try beginWrite(lockTimeoutMilliseconds: lockTimeoutMilliseconds)
        return try finish(body)
    }

    /// Runs `body` in a read-only transaction on one snapshot (REPEATABLE READ): every
    /// statement sees the same committed state, and a write is refused by the server.
    public func read<T>(_ body: () throws -> T) throws -> T {
        try beginRead()
        return try finish(body)
    }

    /// Begins a write transaction and waits for the vault's writer lock, in one round trip
    /// (three statements in one simple-protocol message, which run in order; the first to fail
    /// ends the message, and the transaction is then rolled back).
    func beginWrite(lockTimeoutMilliseconds: Int32) throws(PostgresError) {
        do {
            try executeScript(
                """
                BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; SET LOCAL lock_timeout = \(lockTimeoutMilliseconds); \
                SELECT pg_advisory_xact_lock(\(Self.writerLockClass), hashtext(current_schema()))
                """
            )
        } catch {
            rollBack()
            throw error
        }
        // Checked locally, no round trip: a transaction is open, so the lock is held.
        guard isInTransaction else { throw PostgresError(.statementFailed, sqlState: "25P01") }
    }

    /// Begins a read-only transaction on one snapshot.
    func beginRead() throws(PostgresError) {
        try execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    }

    /// Commits the open transaction.
    ///
    /// - Throws: SQLSTATE 25P02 when PostgreSQL rolled it back instead: it answers COMMIT of a
    ///   transaction a failed statement aborted with ROLLBACK, not an error, and a caller that
    ///   caught that failure must not take its transaction for committed.
    func commit() throws(PostgresError) {
        guard try command("COMMIT") == "COMMIT" else { throw PostgresError(.statementFailed, sqlState: "25P02") }
    }

    /// Rolls the open transaction back, if the connection still has one.
    func rollBack() {
        // A broken connection has rolled back on the server already.
        if isConnected && isInTransaction { try? execute("ROLLBACK") }
    }

    private func finish<T>(_ body: () throws -> T) throws -> T {
        let value: T
        do {
            value = try body()
        } catch {
            rollBack()
            throw error
        }
        try commit()
        return value
    }
}
