import Testing

@testable import TokenVaultStore

@Suite("Migrator")
struct MigratorTests {
    static let first = Migrator.Migration(
        version: 1, name: "create_accounts",
        sql: "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT",
        checksum: "sum-1"
    )
    /// Depends on the first: applying out of order would fail.
    static let second = Migrator.Migration(
        version: 2, name: "add_email",
        sql: "ALTER TABLE accounts ADD COLUMN email TEXT; INSERT INTO accounts (name) VALUES ('seed')",
        checksum: "sum-2"
    )
    /// Depends on the second.
    static let third = Migrator.Migration(
        version: 3, name: "create_emails_index",
        sql: "CREATE TABLE emails (email TEXT PRIMARY KEY); INSERT INTO emails SELECT coalesce(email, name) FROM accounts",
        checksum: "sum-3"
    )

    func recorded(_ queue: DatabaseQueue) throws -> [[SQLValue]] {
        try queue.read { db in
            try db.rows("SELECT version, name, checksum FROM schema_migrations ORDER BY version").map { row in
                (0..<row.count).map { row[$0] }
            }
        }
    }

    @Test("applies migrations in version order and records version, name and checksum")
    func appliesInOrder() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/migrate.db", options: .creating())
            // Given out of order: the migrator sorts them.
            let migrator = Migrator(migrations: [Self.third, Self.first, Self.second])
            #expect(migrator.migrations.map(\.version) == [1, 2, 3])
            #expect(migrator.latestVersion == 3)
            #expect(try queue.read { db in try migrator.isUpToDate(db) } == false)

            #expect(try migrator.migrate(queue) == [1, 2, 3])
            #expect(
                try recorded(queue) == [
                    [.integer(1), .text("create_accounts"), .text("sum-1")],
                    [.integer(2), .text("add_email"), .text("sum-2")],
                    [.integer(3), .text("create_emails_index"), .text("sum-3")],
                ])
            #expect(try queue.count("accounts") == 1)
            #expect(try queue.read { db in try db.row("SELECT email FROM emails")?.string(0) } == "seed")
            #expect(try queue.read { db in try migrator.isUpToDate(db) })
        }
    }

    @Test("running it again applies nothing")
    func idempotent() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/twice.db"
            let queue = try DatabaseQueue(path: path, options: .creating())
            let migrator = Migrator(migrations: [Self.first, Self.second])
            #expect(try migrator.migrate(queue) == [1, 2])
            #expect(try migrator.migrate(queue) == [])
            // Another connection (another process) too; the seed row was inserted once.
            let other = try DatabaseQueue(path: path, options: .init())
            #expect(try migrator.migrate(other) == [])
            #expect(try other.count("accounts") == 1)
            #expect(try recorded(other).count == 2)

            // A later program with one more migration applies only that one.
            let newer = Migrator(migrations: [Self.first, Self.second, Self.third])
            #expect(try newer.migrate(other) == [3])
            #expect(try newer.migrate(queue) == [])
            #expect(try recorded(queue).map { $0[0] } == [.integer(1), .integer(2), .integer(3)])
        }
    }

    @Test("each migration is its own transaction: a failing one leaves no trace, earlier ones stay")
    func failingMigration() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/failing.db", options: .creating())
            let broken = Migrator.Migration(
                version: 3, name: "broken",
                // The table is created, then the next statement fails.
                sql: "CREATE TABLE half_done (x INTEGER); INSERT INTO half_done VALUES (1); INSERT INTO no_such_table VALUES (1)",
                checksum: "sum-broken"
            )
            let migrator = Migrator(migrations: [Self.first, Self.second, broken])
            let error = #expect(throws: StoreError.self) { try migrator.migrate(queue) }
            #expect(error?.message.contains("no_such_table") == true)

            #expect(try queue.tableExists("half_done") == false)
            #expect(try queue.tableExists("accounts"))
            #expect(try recorded(queue).map { $0[0] } == [.integer(1), .integer(2)])
            #expect(try queue.withConnection { db in db.isInTransaction } == false)

            // A fixed version 3 then applies on its own.
            let fixed = Migrator(migrations: [Self.first, Self.second, Self.third])
            #expect(try fixed.migrate(queue) == [3])
            #expect(try queue.tableExists("half_done") == false)
        }
    }

    @Test("a database with a newer recorded version is refused")
    func newerSchema() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/newer.db", options: .creating())
            try Migrator(migrations: [Self.first, Self.second, Self.third]).migrate(queue)
            let older = Migrator(migrations: [Self.first, Self.second])
            #expect(throws: Migrator.Refusal.newerSchema(databaseVersion: 3, supportedVersion: 2)) {
                try older.migrate(queue)
            }
            #expect(throws: Migrator.Refusal.newerSchema(databaseVersion: 3, supportedVersion: 2)) {
                try queue.read { db in try older.isUpToDate(db) }
            }
            // Nothing was changed.
            #expect(try recorded(queue).count == 3)

            // A migrator that knows no migration at all refuses too.
            #expect(throws: Migrator.Refusal.newerSchema(databaseVersion: 3, supportedVersion: 0)) {
                try Migrator(migrations: []).migrate(queue)
            }
        }
    }

    @Test("an altered checksum of an applied migration is refused")
    func checksumMismatch() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/checksum.db", options: .creating())
            try Migrator(migrations: [Self.first, Self.second]).migrate(queue)
            let altered = Migrator.Migration(
                version: 2, name: Self.second.name, sql: Self.second.sql, checksum: "sum-2-changed"
            )
            #expect(throws: Migrator.Refusal.checksumMismatch(version: 2)) {
                try Migrator(migrations: [Self.first, altered]).migrate(queue)
            }
            // Refused even when there is a pending migration to apply, and it is not applied.
            #expect(throws: Migrator.Refusal.checksumMismatch(version: 2)) {
                try Migrator(migrations: [Self.first, altered, Self.third]).migrate(queue)
            }
            #expect(try queue.tableExists("emails") == false)
            #expect(try recorded(queue).map { $0[2] } == [.text("sum-1"), .text("sum-2")])
        }
    }

    @Test("an empty migrator on an empty database does nothing")
    func emptyMigrator() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/empty.db", options: .creating())
            let migrator = Migrator(migrations: [])
            #expect(migrator.latestVersion == 0)
            #expect(try migrator.migrate(queue) == [])
            #expect(try queue.read { db in try migrator.isUpToDate(db) })
        }
    }
}
