internal import CSQLite

/// One connection to a vault's database, set up for a vault: an SQLite file (WAL, durable
/// commits, secure delete, defensive mode, foreign keys and a busy timeout), or a PostgreSQL
/// schema (``PostgresConnection``).
///
/// The same SQL serves both engines where their dialects agree: SQLite's `?` and `?NNN`
/// markers are numbered for PostgreSQL (``PostgresPlaceholders``). Where they differ, the
/// caller asks ``engine``.
///
/// A connection is not `Sendable`; ``DatabaseQueue`` owns one and serialises access.
///
/// See <https://sqlite.org/c3ref/open.html> and <https://sqlite.org/pragma.html>.
public final class Connection {
    /// How commits reach the disk. See <https://sqlite.org/pragma.html#pragma_synchronous>.
    public enum Durability: String, Sendable {
        /// One fsync of the WAL per commit: a committed transaction survives power loss. The default.
        case full = "FULL"
        /// No fsync per commit: survives a process crash, but may lose the last commits on power loss.
        case normal = "NORMAL"
    }

    /// Options for opening a connection.
    public struct Options: Sendable {
        /// Create the file when missing (only `init` does).
        public var create = false
        /// Milliseconds to wait for another process's lock before failing with `SQLITE_BUSY`.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// Commit durability; ``Durability/full`` unless a caller opts out.
        public var durability: Durability = .full
        /// The SQLite VFS to open the file through, by its registered name; nil for the default.
        /// The fault tests' seam: they open vaults through a VFS that simulates power cuts and
        /// I/O errors.
        public var vfsName: String?

        public init() {}
    }

    /// The engine behind the connection.
    enum Backend {
        case sqlite(OpaquePointer)
        case postgresql(PostgresConnection)
    }

    let backend: Backend
    /// Inside ``DatabaseQueue/read(_:)``: a statement that would write is refused before it runs
    /// (`sqlite3_stmt_readonly`), as `PRAGMA query_only` would, without expiring every cached
    /// statement as that pragma does.
    var refusesWrites = false
    private var statementCache: [CacheKey: Statement] = [:]

    /// Opens (or creates) the database at `path`, refusing symbolic links.
    ///
    /// - Throws: ``StoreError`` when SQLite cannot open or set up the file.
    public init(path: String, options: Options) throws(StoreError) {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOFOLLOW
        if options.create { flags |= SQLITE_OPEN_CREATE }
        let code = sqlite3_open_v2(path, &db, flags, options.vfsName)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            sqlite3_close_v2(db)
            throw StoreError(code: ResultCode(rawValue: code), message: message)
        }
        self.backend = .sqlite(db)
        // Every stored property is initialized, so when `setUp` throws, Swift releases
        // `self` and `deinit` closes the handle. Closing it here as well would call
        // `sqlite3_close_v2` twice on the same (by then freed) connection.
        try setUp(options)
    }

    /// Connects to the PostgreSQL database and schema `location` names. The busy timeout
    /// becomes the time a writer waits for the vault's writer lock; ``Durability/normal``
    /// turns `synchronous_commit` off (a server crash may lose the last commits, never half
    /// of one).
    ///
    /// - Throws: ``StoreError`` carrying the ``PostgresError``.
    public init(location: PostgresLocation, options: Options) throws(StoreError) {
        let connection = try StoreError.fromPostgres { () throws(PostgresError) in
            let connection = try PostgresConnection(location: location)
            try connection.execute("SET synchronous_commit = \(options.durability == .full ? "on" : "off")")
            return connection
        }
        backend = .postgresql(connection)
        lockTimeoutMilliseconds = options.busyTimeoutMilliseconds
    }

    deinit {
        statementCache.removeAll()
        if case .sqlite(let handle) = backend { sqlite3_close_v2(handle) }
    }

    /// Which engine this is.
    public var engine: StoreEngine {
        switch backend {
        case .sqlite: .sqlite
        case .postgresql: .postgresql
        }
    }

    /// How long a PostgreSQL writer waits for the writer lock.
    private var lockTimeoutMilliseconds: Int32 = 5_000

    /// The SQLite handle; only called on SQLite connections.
    var sqliteHandle: OpaquePointer {
        guard case .sqlite(let handle) = backend else { preconditionFailure("an SQLite call on a PostgreSQL connection") }
        return handle
    }

    private func setUp(_ options: Options) throws(StoreError) {
        let handle = sqliteHandle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, options.busyTimeoutMilliseconds)
        var enabled: Int32 = 0
        // Defensive mode forbids writable_schema and other ways of corrupting the file from SQL.
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_DEFENSIVE, 1, &enabled)
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_DQS_DDL, 0, &enabled)
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_DQS_DML, 0, &enabled)
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &enabled)
        // No trigger and no view runs on a vault connection: TokenVault creates neither, and one
        // planted in the file by someone without the key could otherwise change rows inside a
        // legitimate write, after its checks and before its MACs are computed.
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &enabled)
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_ENABLE_VIEW, 0, &enabled)
        // The last connection to close would checkpoint the WAL into the database and delete it:
        // four more fsyncs in every short-lived CLI process, and a directory fsync when the next
        // one creates the WAL again. The WAL stays instead; SQLite checkpoints it every 1,000
        // pages, and `delete` and `rotate-data-key` truncate it explicitly.
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &enabled)
        // Reading the schema here turns "file is not a database" into an error at open time.
        try execute("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON")
        let mode = try prepare("PRAGMA journal_mode = WAL").all().first?.string(0)
        guard mode == "wal" else {
            throw StoreError(code: .cantOpen, message: "cannot switch the vault to WAL mode")
        }
        try execute("PRAGMA synchronous = \(options.durability.rawValue)")
    }

    /// Runs one or more SQL statements that take no arguments.
    public func execute(_ sql: String) throws(StoreError) {
        if refusesWrites { throw StoreError(code: .readOnly, message: "no unprepared SQL in a read transaction") }
        switch backend {
        case .sqlite(let handle):
            let code = sqlite3_exec(handle, sql, nil, nil, nil)
            guard code == SQLITE_OK else { throw error(code: code) }
        case .postgresql(let connection):
            try StoreError.fromPostgres { () throws(PostgresError) in try connection.executeScript(sql) }
        }
    }

    /// Runs one statement that takes no arguments through the statement cache: for the
    /// statements every transaction repeats (BEGIN, SAVEPOINT, RELEASE, COMMIT), which
    /// `sqlite3_exec` would parse anew each time.
    public func run(_ sql: String) throws(StoreError) {
        try cachedStatement(sql).run()
    }

    /// Runs one statement with arguments, discarding any rows.
    public func execute(_ sql: String, _ arguments: [any SQLBindable]) throws(StoreError) {
        try cachedStatement(sql).run(arguments)
    }

    /// Returns every row of a query.
    public func rows(_ sql: String, _ arguments: [any SQLBindable] = []) throws(StoreError) -> [Row] {
        try cachedStatement(sql).all(arguments)
    }

    /// Returns the first row of a query, or nil.
    public func row(_ sql: String, _ arguments: [any SQLBindable] = []) throws(StoreError) -> Row? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        return try statement.step()
    }

    /// Prepares a statement that is not cached (for one-off or streaming queries).
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        try Statement(connection: self, sql: sql)
    }

    /// A prepared statement reused across calls: the hot paths (fetch, audit append)
    /// skip SQL parsing after their first use.
    public func cachedStatement(_ sql: String) throws(StoreError) -> Statement {
        let key = CacheKey(sql: sql)
        if let statement = statementCache[key] { return statement }
        let statement = try Statement(connection: self, sql: sql, reused: true)
        statementCache[key] = statement
        return statement
    }

    /// The statement cache's key: the SQL text, compared in full but hashed by its length and
    /// its last bytes only. Hashing every byte of a 300-character query cost a fetch 5% of its
    /// instructions (its statements are looked up about ten times); statements that share a
    /// length and an ending merely share a bucket.
    private struct CacheKey: Hashable {
        let sql: String

        func hash(into hasher: inout Hasher) {
            let utf8 = sql.utf8
            hasher.combine(utf8.count)
            let hashed: Void? = utf8.withContiguousStorageIfAvailable { bytes in
                hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(24))))
            }
            if hashed == nil { for byte in utf8.suffix(24) { hasher.combine(byte) } }
        }
    }

    /// The rowid of the last successful INSERT on this SQLite connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(sqliteHandle) }

    /// The number of rows changed by the last statement.
    public var changes: Int {
        switch backend {
        case .sqlite(let handle): Int(sqlite3_changes64(handle))
        case .postgresql(let connection): connection.changedRows
        }
    }

    /// Whether the connection broke (a PostgreSQL server went away); an SQLite file's never does.
    public var isBroken: Bool {
        guard case .postgresql(let connection) = backend else { return false }
        return !connection.isConnected
    }

    /// Whether a transaction is open.
    public var isInTransaction: Bool {
        switch backend {
        case .sqlite(let handle): sqlite3_get_autocommit(handle) == 0
        case .postgresql(let connection): connection.isInTransaction
        }
    }

    /// Begins a write transaction: SQLite's `BEGIN IMMEDIATE` takes the file's write lock; on
    /// PostgreSQL the vault's writer lock (``PostgresConnection/write(lockTimeoutMilliseconds:_:)``).
    /// Either way no other writer reads the state this one is about to change.
    public func beginWrite() throws(StoreError) {
        switch backend {
        case .sqlite: try run("BEGIN IMMEDIATE")
        case .postgresql(let connection):
            try StoreError.fromPostgres { () throws(PostgresError) in try connection.beginWrite(lockTimeoutMilliseconds: lockTimeoutMilliseconds) }
        }
    }

    /// Begins a read transaction on one snapshot.
    public func beginRead() throws(StoreError) {
        switch backend {
        case .sqlite: try run("BEGIN DEFERRED")
        case .postgresql(let connection):
            try StoreError.fromPostgres { () throws(PostgresError) in try connection.beginRead() }
        }
    }

    /// Commits the open transaction.
    public func commit() throws(StoreError) {
        switch backend {
        case .sqlite: try run("COMMIT")
        case .postgresql(let connection):
            try StoreError.fromPostgres { () throws(PostgresError) in try connection.commit() }
        }
    }

    /// Rolls the open transaction back, if there is one; never fails.
    public func rollBack() {
        switch backend {
        case .sqlite: if isInTransaction { try? run("ROLLBACK") }
        case .postgresql(let connection): connection.rollBack()
        }
    }

    /// The names of the tables in the vault's database (SQLite) or schema (PostgreSQL).
    public func tableNames() throws(StoreError) -> Set<String> {
        Set(try rows(tablesSQL).compactMap { $0.string(0) })
    }

    /// Whether the vault's database (SQLite) or schema (PostgreSQL) has a table of that name.
    public func tableExists(_ name: String) throws(StoreError) -> Bool {
        try row(tablesSQL + " AND \(engine == .sqlite ? "name" : "c.relname") = ?", [name]) != nil
    }

    /// The columns of table `name` in the order they were declared (SQLite's implicit `rowid`
    /// is not one); empty when there is no such table.
    public func columnNames(of name: String) throws(StoreError) -> [String] {
        let sql =
            switch backend {
            case .sqlite: "SELECT name FROM pragma_table_info(?) ORDER BY cid"
            case .postgresql:
                """
                SELECT a.attname::text FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
                """
            }
        return try rows(sql, [name]).compactMap { $0.string(0) }
    }

    private var tablesSQL: String {
        switch backend {
        case .sqlite: "SELECT name FROM sqlite_schema WHERE type = 'table'"
        case .postgresql:
            """
            SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            """
        }
    }

    /// Copies the WAL into the database and truncates it, so that no older page image
    /// (for example a deleted ciphertext) lingers in the `-wal` file. PostgreSQL has no such
    /// file of ours: true.
    ///
    /// - Returns: true when every frame was checkpointed and the WAL truncated; false when
    ///   a reader in another process kept it from finishing within the busy timeout.
    public func checkpointAndTruncateWAL() -> Bool {
        guard case .sqlite(let handle) = backend else { return true }
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        return code == SQLITE_OK
    }

    func error(code: Int32) -> StoreError {
        let handle = sqliteHandle
        return StoreError(code: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: String(cString: sqlite3_errmsg(handle)))
    }

    /// The SQLite library version, e.g. "3.40.1".
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}

@available(*, unavailable, message: "A connection must be owned by a DatabaseQueue to cross threads")
extension Connection: Sendable {}
