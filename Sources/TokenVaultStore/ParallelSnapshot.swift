internal import Dispatch

/// Reads one snapshot of a database on several threads at once: one connection per part, each
/// in a read transaction on the same snapshot and used by one thread. For long read-only scans
/// that split into parts, such as the audit-chain walk.
///
/// ```swift
/// let counts = try ParallelSnapshot.read(location: .file(path), options: .init(), parts: 2) { part, parts, db in
///     try db.row("SELECT count(*) FROM t WHERE id % ? = ?", [parts, part])?.int64(0) ?? 0
/// }
/// ```
///
/// SQLite cannot hand one connection's snapshot to another (without `SQLITE_ENABLE_SNAPSHOT`),
/// so the snapshots are made equal instead: the last connection reads `PRAGMA data_version`,
/// the others start their transactions, then the last starts its own and reads the version again.
/// The version changes whenever another connection commits, so an unchanged version means that
/// nothing was committed while the transactions started, and all of them see the same database.
/// (In WAL mode a read transaction sees the last commit made before it started.)
/// See <https://sqlite.org/pragma.html#pragma_data_version>.
public enum ParallelSnapshot {
    /// Tries to start the transactions on one snapshot before settling for a single part.
    static let attempts = 10

    /// Opens connections to the database at `location`, starts a read transaction on each, all on
    /// the same snapshot, and calls `body` for every part at once, each on its own thread
    /// (`DispatchQueue.concurrentPerform`, which uses the calling thread too).
    ///
    /// - Parameters:
    ///   - parts: how many parts (and connections) to use; at least 1.
    ///   - body: reads part `part` of `parts` through `db`. When writers kept committing while the
    ///     transactions started, it is called once, with `parts` equal to 1.
    /// - Returns: what `body` returned for each part, in order.
    /// - Throws: ``StoreError`` when a connection cannot be opened or read, or the first error
    ///   `body` threw.
    public static func read<T: Sendable>(
        location: StoreLocation, options: Connection.Options, parts: Int,
        _ body: @Sendable (_ part: Int, _ parts: Int, _ db: Connection) throws -> T
    ) throws -> [T] {
        var connections = try (0..<max(1, parts)).map { _ throws(StoreError) in try Connection(location: location, options: options) }
        if location.engine == .postgresql {
            try beginOnExportedSnapshot(connections)
        } else {
            var attempt = 1
            while try !beginOnOneSnapshot(connections) {
                attempt += 1
                if attempt > attempts { connections = [connections[0]] }
            }
        }
        defer { for connection in connections { connection.rollBack() } }

        let handoff = Handoff(connections: connections)
        let results = Results<T>(count: connections.count)
        DispatchQueue.concurrentPerform(iterations: connections.count) { part in
            results.set(part, Result { () throws -> T in try body(part, handoff.connections.count, handoff.connections[part]) })
        }
        return try results.values()
    }

    /// Starts a read transaction on every connection; true when all are on the same snapshot,
    /// false (with every transaction ended) when another connection committed meanwhile.
    private static func beginOnOneSnapshot(_ connections: [Connection]) throws(StoreError) -> Bool {
        guard connections.count > 1 else {
            try begin(connections[0])
            return true
        }
        let probe = connections[connections.count - 1]
        let before = try dataVersion(probe)  // outside a transaction: as of the last commit
        for connection in connections.dropLast() { try begin(connection) }
        try begin(probe)
        if try dataVersion(probe) == before { return true }
        for connection in connections { try connection.run("ROLLBACK") }
        return false
    }

    /// PostgreSQL hands a snapshot over: the first connection exports its own, and the others
    /// start their transactions on it (`SET TRANSACTION SNAPSHOT`). Exact, with no retry.
    private static func beginOnExportedSnapshot(_ connections: [Connection]) throws(StoreError) {
        try connections[0].beginRead()
        guard connections.count > 1, let snapshot = try connections[0].row("SELECT pg_export_snapshot()")?.string(0) else { return }
        // The identifier is the server's own (hex digits and dashes): checked before it is spliced in.
        guard
            snapshot.utf8.allSatisfy({
                $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0)
            })
        else {
            throw StoreError(code: .error, message: "unexpected snapshot identifier")
        }
        for connection in connections.dropFirst() {
            try connection.beginRead()
            try connection.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'")
        }
    }

    /// Starts a read transaction and takes its snapshot (a deferred transaction takes it at its first read).
    private static func begin(_ connection: Connection) throws(StoreError) {
        try connection.run("BEGIN DEFERRED")
        _ = try dataVersion(connection)
    }

    private static func dataVersion(_ connection: Connection) throws(StoreError) -> Int64? {
        try connection.row("PRAGMA data_version")?.int64(0)
    }
}

/// Hands each connection to the one thread that reads its part.
///
/// `@unchecked Sendable`: `connections[part]` is used only by the `concurrentPerform` iteration
/// for `part`, and the caller touches none of them until `concurrentPerform` has returned; so no
/// connection is used by two threads at once (SQLite's multi-thread mode allows the rest).
private struct Handoff: @unchecked Sendable {
    let connections: [Connection]
}

/// Each part's result, written by its thread under a ``Lock`` (which ThreadSanitizer sees).
private final class Results<T>: @unchecked Sendable {
    // @unchecked Sendable: `slots` is only touched under `lock`.
    private let lock = Lock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ part: Int, _ result: Result<T, any Error>) { lock.withLock { slots[part] = result } }

    /// Every part's value, in order, or the first part's error.
    func values() throws -> [T] {
        try lock.withLock { () throws -> [T] in try slots.map { slot throws -> T in try slot!.get() } }
    }
}
