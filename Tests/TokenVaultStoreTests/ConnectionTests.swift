import Foundation
import Testing

@testable import TokenVaultStore

@Suite("Connection set-up and opening")
struct ConnectionTests {
    @Test("a new file is in WAL mode with secure_delete, foreign_keys and synchronous = FULL")
    func defaultPragmas() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/new.db"
            #expect(!FileManager.default.fileExists(atPath: path))
            let db = try Connection(path: path, options: .creating())
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(try db.row("PRAGMA journal_mode")?.string(0) == "wal")
            #expect(try db.integer("PRAGMA secure_delete") == 1)
            #expect(try db.integer("PRAGMA foreign_keys") == 1)
            #expect(try db.integer("PRAGMA synchronous") == 2)
            #expect(try db.integer("PRAGMA trusted_schema") == 0)
            #expect(!db.isInTransaction)
            // WAL is persistent: a file written once stays in WAL mode for other openers.
            try db.execute("CREATE TABLE t (x INTEGER)")
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test("durability .normal sets synchronous = NORMAL")
    func normalDurability() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/normal.db", options: .creating(durability: .normal))
            #expect(try db.integer("PRAGMA synchronous") == 1)
            #expect(try db.row("PRAGMA journal_mode")?.string(0) == "wal")
            #expect(try db.integer("PRAGMA secure_delete") == 1)
            #expect(try db.integer("PRAGMA foreign_keys") == 1)
        }
    }

    @Test("foreign keys are enforced")
    func foreignKeysEnforced() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/fk.db", options: .creating())
            try db.execute(
                """
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id));
                """
            )
            try db.execute("INSERT INTO parent (id) VALUES (?)", [1])
            try db.execute("INSERT INTO child (id, parent_id) VALUES (?, ?)", [1, 1])
            let error = #expect(throws: StoreError.self) {
                try db.execute("INSERT INTO child (id, parent_id) VALUES (?, ?)", [2, 99])
            }
            #expect(error?.code == ResultCode(rawValue: 787))  // SQLITE_CONSTRAINT_FOREIGNKEY
            #expect(error.map { ResultCode.constraint ~= $0.code } == true)
            #expect(try db.integer("SELECT count(*) FROM child") == 1)
        }
    }

    @Test("defensive mode: the schema cannot be edited from SQL")
    func defensiveMode() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/defensive.db", options: .creating())
            try db.execute("CREATE TABLE t (x INTEGER)")
            try? db.execute("PRAGMA writable_schema = ON")
            #expect(throws: StoreError.self) {
                try db.execute("UPDATE sqlite_schema SET sql = 'CREATE TABLE t (y TEXT)' WHERE name = 't'")
            }
            #expect(try db.row("SELECT sql FROM sqlite_schema WHERE name = 't'")?.string(0) == "CREATE TABLE t (x INTEGER)")
        }
    }

    @Test("a missing file is not created without `create`")
    func missingFileWithoutCreate() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/absent.db"
            let error = #expect(throws: StoreError.self) {
                try Connection(path: path, options: Connection.Options())
            }
            #expect(error.map { ResultCode.cantOpen ~= $0.code } == true)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("an existing database opens without `create` and keeps its data")
    func reopenWithoutCreate() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/existing.db"
            do {
                let db = try Connection(path: path, options: .creating())
                try db.execute("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')")
            }
            let reopened = try Connection(path: path, options: Connection.Options())
            #expect(try reopened.row("SELECT x FROM t")?.string(0) == "kept")
            #expect(try reopened.row("PRAGMA journal_mode")?.string(0) == "wal")
        }
    }

    @Test("a file of random bytes fails to open as corruption (SQLITE_NOTADB) and is left unchanged")
    func notADatabase() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/garbage.db"
            var garbage = (0..<8192).map { _ in UInt8.random(in: 0...255) }
            garbage[0] = 0  // never the "SQLite format 3" magic
            try Data(garbage).write(to: URL(fileURLWithPath: path))
            for options in [Connection.Options(), .creating()] {
                let error = #expect(throws: StoreError.self) {
                    try Connection(path: path, options: options)
                }
                #expect(error?.code.isCorruption == true)
                #expect(error.map { ResultCode.notADatabase ~= $0.code } == true)
                #expect(error?.code.isBusy == false)
            }
            // The same through a DatabaseQueue.
            let queueError = #expect(throws: StoreError.self) {
                try DatabaseQueue(path: path, options: .creating())
            }
            #expect(queueError?.code.isCorruption == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(garbage))
        }
    }

    @Test("a path whose final component is a symbolic link is refused (SQLITE_OPEN_NOFOLLOW)")
    func symbolicLinkRefused() throws {
        try withTemporaryDirectory { dir in
            // A link to a real database.
            let real = dir + "/real.db"
            do {
                let db = try Connection(path: real, options: .creating())
                try db.execute("CREATE TABLE t (x INTEGER)")
            }
            let link = dir + "/link.db"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
            for options in [Connection.Options(), .creating()] {
                let error = #expect(throws: StoreError.self) {
                    try Connection(path: link, options: options)
                }
                #expect(error.map { ResultCode.cantOpen ~= $0.code } == true)
                #expect(error?.code == ResultCode(rawValue: 1550))  // SQLITE_CANTOPEN_SYMLINK
            }

            // A dangling link: `create` must not create its target.
            let target = dir + "/target.db"
            let dangling = dir + "/dangling.db"
            try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: target)
            #expect(throws: StoreError.self) {
                try DatabaseQueue(path: dangling, options: .creating())
            }
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test("SQL errors carry the extended code and SQLite's message")
    func sqlErrors() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/errors.db", options: .creating())
            let syntax = #expect(throws: StoreError.self) { try db.prepare("SELEC 1") }
            #expect(syntax?.code == .error)
            #expect(syntax?.message.contains("syntax error") == true)
            #expect(syntax?.description.hasPrefix("SQLite error 1: ") == true)
            let missing = #expect(throws: StoreError.self) { try db.rows("SELECT * FROM nowhere") }
            #expect(missing?.message.contains("no such table") == true)
            let exec = #expect(throws: StoreError.self) { try db.execute("DROP TABLE nowhere") }
            #expect(exec?.code == .error)
        }
    }

    @Test("checkpointAndTruncateWAL empties the -wal file")
    func checkpoint() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/checkpoint.db"
            let db = try Connection(path: path, options: .creating())
            try db.execute("CREATE TABLE t (x BLOB)")
            try db.execute("INSERT INTO t VALUES (?)", [[UInt8](repeating: 0x5A, count: 10_000)])
            let before = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            #expect((before ?? 0) > 0)
            #expect(db.checkpointAndTruncateWAL())
            let after = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            #expect(after == 0)
            #expect(try db.integer("SELECT length(x) FROM t") == 10_000)
        }
    }
}
