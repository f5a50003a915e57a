/// Applies numbered SQL migrations, one transaction each, and refuses a database that was
/// migrated by a newer program or whose applied migrations were altered.
///
/// Modelled on GRDB's `DatabaseMigrator`: migrations are identified by version, recorded
/// in `schema_migrations` with a checksum of their SQL, and never re-run.
public struct Migrator: Sendable {
    /// One migration to apply.
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
        /// A checksum of `sql` (hex SHA-256), computed by the caller.
        public let checksum: String

        public init(version: Int, name: String, sql: String, checksum: String) {
            self.version = version
            self.name = name
            self.sql = sql
            self.checksum = checksum
        }
    }

    /// Why a database cannot be migrated.
    public enum Refusal: Error, Sendable, Equatable {
        /// The database has a migration this program does not know: it was written by a newer version.
        case newerSchema(databaseVersion: Int, supportedVersion: Int)
        /// An applied migration's recorded checksum differs from this program's copy.
        case checksumMismatch(version: Int)
    }

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The highest version this program knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every pending migration, each in its own IMMEDIATE transaction.
    ///
    /// An up-to-date database costs one read. Concurrent migrators are safe: each
    /// re-reads the record inside its write transaction and skips what another applied.
    ///
    /// - Parameter afterApplying: runs inside each applied migration's transaction, after its
    ///   SQL, with its version: for data a migration's SQL cannot write (values computed with a
    ///   key, say). What it throws rolls the migration back.
    /// - Throws: ``Refusal`` for a newer or altered schema; ``StoreError`` from SQLite; whatever
    ///   `afterApplying` throws.
    /// - Returns: the versions applied now.
    @discardableResult
    public func migrate(_ queue: DatabaseQueue, afterApplying: (Int, Connection) throws -> Void = { _, _ in }) throws -> [Int] {
        if try queue.read({ db in try isUpToDate(db) }) { return [] }
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try queue.write { db throws -> Bool in try apply(migration, db, afterApplying: afterApplying) }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    /// Applies every pending migration inside the transaction `db` has open, which the caller
    /// commits: for a new database whose tables and first rows must appear together or not at
    /// all (PostgreSQL runs DDL in transactions).
    ///
    /// - Throws: as ``migrate(_:afterApplying:)``.
    /// - Returns: the versions applied.
    @discardableResult
    public func migrate(inTransaction db: Connection) throws -> [Int] {
        try migrations.filter { migration in try apply(migration, db, afterApplying: { _, _ in }) }.map(\.version)
    }

    /// Applies `migration` unless it is recorded already; true when it was applied now.
    private func apply(_ migration: Migration, _ db: Connection, afterApplying: (Int, Connection) throws -> Void) throws -> Bool {
        try db.execute(Self.recordTableSQL(db.engine))
        let recorded = try recordedMigrations(db)
        try check(recorded)
        guard recorded[migration.version] == nil else { return false }
        try db.execute(migration.sql)
        try afterApplying(migration.version, db)
        try db.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
            [migration.version, migration.name, migration.checksum]
        )
        return true
    }

    /// Whether the database needs no migration (a read-only check, for fast opens).
    public func isUpToDate(_ db: Connection) throws -> Bool {
        let recorded = try recordedMigrations(db)
        try check(recorded)
        return migrations.allSatisfy { recorded[$0.version] != nil }
    }

    private func check(_ recorded: [Int: String]) throws(Refusal) {
        if let newest = recorded.keys.max(), newest > latestVersion {
            throw .newerSchema(databaseVersion: newest, supportedVersion: latestVersion)
        }
        for migration in migrations {
            if let checksum = recorded[migration.version], checksum != migration.checksum {
                throw .checksumMismatch(version: migration.version)
            }
        }
    }

    private func recordedMigrations(_ db: Connection) throws -> [Int: String] {
        guard try db.tableExists("schema_migrations") else { return [:] }
        var recorded: [Int: String] = [:]
        for row in try db.rows("SELECT version, checksum FROM schema_migrations") {
            recorded[Int(row.int64(0) ?? 0)] = row.string(1) ?? ""
        }
        return recorded
    }

    /// The table that records applied migrations, in each engine's types.
    private static func recordTableSQL(_ engine: StoreEngine) -> String {
        switch engine {
        case .sqlite:
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL
            ) STRICT
            """
        case .postgresql:
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, checksum TEXT COLLATE "C" NOT NULL
            )
            """
        }
    }
}
