import Testing

@testable import TokenVaultStore

@Suite("Statement binding and Row reading")
struct StatementTests {
    struct RoundTrip: Sendable, CustomTestStringConvertible {
        let name: String
        let value: SQLValue
        let sqliteType: String
        var testDescription: String { name }
    }

    static let roundTrips: [RoundTrip] = [
        RoundTrip(name: "NULL", value: .null, sqliteType: "null"),
        RoundTrip(name: "zero", value: .integer(0), sqliteType: "integer"),
        RoundTrip(name: "Int64.min", value: .integer(.min), sqliteType: "integer"),
        RoundTrip(name: "Int64.max", value: .integer(.max), sqliteType: "integer"),
        RoundTrip(name: "-1", value: .integer(-1), sqliteType: "integer"),
        RoundTrip(name: "real", value: .real(-1234.5625), sqliteType: "real"),
        RoundTrip(name: "empty text", value: .text(""), sqliteType: "text"),
        RoundTrip(name: "ASCII text", value: .text("hello"), sqliteType: "text"),
        RoundTrip(name: "Unicode text", value: .text("héllo wörld – 日本語 🔐👩🏽‍💻"), sqliteType: "text"),
        RoundTrip(name: "text with an embedded NUL", value: .text("a\u{0}b"), sqliteType: "text"),
        RoundTrip(name: "blob", value: .blob([0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]), sqliteType: "blob"),
        RoundTrip(name: "blob of NULs", value: .blob([0, 0, 0]), sqliteType: "blob"),
        RoundTrip(name: "zero-length blob", value: .blob([]), sqliteType: "blob"),
        RoundTrip(name: "large blob", value: .blob((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }), sqliteType: "blob"),
    ]

    @Test("a value stored in a column reads back identical, with the same SQLite type", arguments: roundTrips)
    func storeAndRead(_ roundTrip: RoundTrip) throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/values.db", options: .creating())
            // No declared type: no affinity, so SQLite keeps each value's own type.
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
            try db.execute("INSERT INTO t (id, v) VALUES (?, ?)", [1, roundTrip.value])
            let row = try #require(try db.row("SELECT v, typeof(v), v IS NULL FROM t WHERE id = ?", [1]))
            #expect(row.count == 3)
            #expect(row[0] == roundTrip.value)
            #expect(row.string(1) == roundTrip.sqliteType)
            #expect(row.int64(2) == (roundTrip.value == .null ? 1 : 0))
        }
    }

    @Test("column(at:) reads a stored value in place: same type, same bytes", arguments: roundTrips)
    func readInPlace(_ roundTrip: RoundTrip) throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/in-place.db", options: .creating())
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
            try db.execute("INSERT INTO t (id, v) VALUES (?, ?)", [1, roundTrip.value])
            let statement = try db.prepare("SELECT v FROM t")
            try statement.bind([])
            #expect(try statement.advance())
            let read: SQLValue =
                switch statement.column(at: 0) {
                case .null: .null
                case .integer(let value): .integer(value)
                case .real(let value): .real(value)
                case .text(let bytes): .text(String(decoding: bytes, as: UTF8.self))
                case .blob(let bytes): .blob(Array(bytes))
                }
            #expect(read == roundTrip.value)
            #expect(try !statement.advance())
        }
    }

    @Test("binding too few or too many arguments is a misuse, not a silent NULL")
    func argumentCountIsChecked() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/count.db", options: .creating())
            try db.execute("CREATE TABLE t (a, b NOT NULL DEFAULT 'x')")
            for arguments in [[1], [1, 2, 3]] as [[any SQLBindable]] {
                do {
                    try db.execute("INSERT INTO t (a, b) VALUES (?, ?)", arguments)
                    Issue.record("\(arguments.count) arguments were accepted")
                } catch let error as StoreError {
                    #expect(error.code == .misuse)
                }
            }
            #expect(try db.rows("SELECT count(*) FROM t")[0].int64(0) == 0)
            try db.execute("INSERT INTO t (a, b) VALUES (?, ?)", [1, 2])
            #expect(try db.rows("SELECT count(*) FROM t")[0].int64(0) == 1)
        }
    }

    @Test("column(at:) gives text's bytes exactly as stored, even when they are not UTF-8")
    func textBytesAsStored() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/bytes.db", options: .creating())
            let statement = try db.prepare("SELECT CAST(x'61ff00' AS TEXT)")
            try statement.bind([])
            #expect(try statement.advance())
            guard case .text(let bytes) = statement.column(at: 0) else {
                Issue.record("not text")
                return
            }
            #expect(Array(bytes) == [0x61, 0xFF, 0x00])
        }
    }

    @Test("a bound value read straight back with SELECT ? is identical", arguments: roundTrips)
    func selectParameter(_ roundTrip: RoundTrip) throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/select.db", options: .creating())
            let rows = try db.rows("SELECT ?, typeof(?1)", [roundTrip.value])
            #expect(rows.count == 1)
            #expect(rows.first?[0] == roundTrip.value)
            #expect(rows.first?.string(1) == roundTrip.sqliteType)
        }
    }

    @Test("a zero-length blob is a blob, not NULL")
    func zeroLengthBlob() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/blob.db", options: .creating())
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)")
            // NOT NULL would reject the row if the empty array were bound as NULL.
            try db.execute("INSERT INTO t (id, v) VALUES (?, ?)", [1, [UInt8]()])
            let row = try #require(try db.row("SELECT v, length(v), typeof(v) FROM t"))
            #expect(row[0] == .blob([]))
            #expect(row.blob(0) == [])
            #expect(row.int64(1) == 0)
            #expect(row.string(2) == "blob")
            #expect(try db.integer("SELECT count(*) FROM t WHERE v = x''") == 1)
        }
    }

    @Test("Swift types bind as their SQL values")
    func bindableTypes() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/bindable.db", options: .creating())
            let none: String? = nil
            let some: Int? = 5
            let arguments: [any SQLBindable] = [
                Int64.min, Int.max, true, false, "text", [UInt8]([1, 2]), none, some, SQLValue.real(0.5),
            ]
            let row = try #require(try db.row("SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?", arguments))
            #expect(row.count == 9)
            #expect(row[0] == .integer(.min))
            #expect(row[1] == .integer(Int64(Int.max)))
            #expect(row[2] == .integer(1))
            #expect(row[3] == .integer(0))
            #expect(row[4] == .text("text"))
            #expect(row[5] == .blob([1, 2]))
            #expect(row[6] == .null)
            #expect(row[7] == .integer(5))
            #expect(row[8] == .real(0.5))
        }
    }

    @Test("Row's typed accessors return nil for NULL and for other types")
    func rowAccessors() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/row.db", options: .creating())
            let row = try #require(try db.row("SELECT 42, 'text', x'0102', NULL, 1.5"))
            #expect(row.count == 5)
            #expect(row.int64(0) == 42)
            #expect(row.string(0) == nil)
            #expect(row.blob(0) == nil)
            #expect(row.string(1) == "text")
            #expect(row.int64(1) == nil)
            #expect(row.blob(1) == nil)
            #expect(row.blob(2) == [1, 2])
            #expect(row.string(2) == nil)
            #expect(row.int64(2) == nil)
            #expect(row[3] == .null)
            #expect(row.int64(3) == nil)
            #expect(row.string(3) == nil)
            #expect(row.blob(3) == nil)
            #expect(row[4] == .real(1.5))
            #expect(row.int64(4) == nil)
        }
    }

    @Test("step, all, forEach and rebinding a prepared statement")
    func statementLifecycle() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/statement.db", options: .creating())
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
            let insert = try db.prepare("INSERT INTO t (id, name) VALUES (?, ?)")
            for id in 1...5 { try insert.run([id, "n\(id)"]) }
            #expect(db.changes == 1)
            #expect(db.lastInsertedRowID == 5)

            let select = try db.prepare("SELECT id, name FROM t WHERE id >= ? ORDER BY id")
            #expect(try select.all([3]).map { $0.int64(0) } == [3, 4, 5])
            // Rebinding resets the statement.
            #expect(try select.all([5]).map { $0.string(1) } == ["n5"])
            var seen: [Int64] = []
            try select.forEach([2]) { row in seen.append(row.int64(0) ?? -1) }
            #expect(seen == [2, 3, 4, 5])

            try select.bind([4])
            #expect(try select.step()?.int64(0) == 4)
            #expect(try select.step()?.int64(0) == 5)
            #expect(try select.step() == nil)

            // Cached statements are reused.
            #expect(try db.cachedStatement("SELECT 1") === db.cachedStatement("SELECT 1"))
            #expect(try db.cachedStatement("SELECT 1") !== db.cachedStatement("SELECT 2"))
            // row() leaves the cached statement reusable.
            #expect(try db.row("SELECT name FROM t WHERE id = ?", [1])?.string(0) == "n1")
            #expect(try db.row("SELECT name FROM t WHERE id = ?", [2])?.string(0) == "n2")
            #expect(try db.row("SELECT name FROM t WHERE id = ?", [99]) == nil)

            try db.execute("UPDATE t SET name = ? WHERE id > ?", ["x", 2])
            #expect(db.changes == 3)
        }
    }
}
