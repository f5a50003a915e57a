import Foundation
import Synchronization
import Testing

@testable import TokenVaultStore

@Suite("PostgreSQL transactions: one writer lock per vault schema keeps a hash chain from forking", .enabled(if: TestPostgres.isAvailable))
struct PostgresTransactionTests {
    /// A fresh schema and the URI parameters that put a connection's tables in it.
    private func freshSchema() throws -> String {
        let name = "tv_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try TestPostgres.connect().execute("CREATE SCHEMA \(name)")
        return "&options=-csearch_path%3D\(name)"
    }

    /// FNV-1a over the previous hash and the payload: enough to tell a forked chain.
    private static func link(_ previous: Int64, _ payload: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bitPattern: previous)
        for byte in payload.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: hash)
    }

    /// `writers` sessions at once each append `appends` links, reading the head and inserting
    /// after it in two round trips; the failures they met.
    private func appendConcurrently(
        schema: String, writers: Int, appends: Int, locked: Bool
    ) -> Int {
        let failures = Atomic<Int>(0)
        let done = DispatchGroup()
        // One thread per writer, started together, so that their transactions overlap.
        let start = DispatchSemaphore(value: 0)
        for writer in 0..<writers {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                guard let connection = try? TestPostgres.connect(schema) else {
                    failures.add(appends, ordering: .relaxed)
                    return
                }
                start.wait()
                for append in 0..<appends {
                    do {
                        try Self.append("writer-\(writer)-\(append)", on: connection, locked: locked)
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        for _ in 0..<writers { start.signal() }
        done.wait()
        return failures.load(ordering: .relaxed)
    }

    /// Reads the head and inserts the next link after it, in two round trips.
    private static func append(_ payload: String, on connection: PostgresConnection, locked: Bool) throws {
        func appendOnce() throws {
            let head = try connection.rows("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1").first
            let seq = (head?.int64(0) ?? 0) + 1
            let previous = head?.int64(1) ?? 0
            try connection.execute(
                "INSERT INTO chain (seq, previous, hash, payload) VALUES ($1, $2, $3, $4)", [seq, previous, link(previous, payload), payload])
        }
        guard !locked else { return try connection.write { try appendOnce() } }
        try connection.execute("BEGIN")
        do {
            try appendOnce()
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func createChain(_ schema: String) throws -> PostgresConnection {
        let connection = try TestPostgres.connect(schema)
        try connection.execute("CREATE TABLE chain (seq bigint PRIMARY KEY, previous bigint NOT NULL, hash bigint NOT NULL, payload text NOT NULL)")
        return connection
    }

    @Test("4 sessions appending 150 links each under the writer lock: no failure, no lost append, the chain links up")
    func serialisedAppends() throws {
        let schema = try freshSchema()
        let connection = try createChain(schema)
        #expect(appendConcurrently(schema: schema, writers: 4, appends: 150, locked: true) == 0)
        let rows = try connection.rows("SELECT seq, previous, hash, payload FROM chain ORDER BY seq")
        #expect(rows.count == 600)
        var previous: Int64 = 0
        for (index, row) in rows.enumerated() {
            #expect(row.int64(0) == Int64(index + 1) && row.int64(1) == previous)
            #expect(row.int64(2) == Self.link(previous, try #require(row.string(3))))
            previous = row.int64(2) ?? 0
        }
    }

    @Test("without the lock the same appends collide (the test can fail): plain READ COMMITTED transactions race on the head")
    func unlockedAppendsRace() throws {
        let schema = try freshSchema()
        let connection = try createChain(schema)
        let failures = appendConcurrently(schema: schema, writers: 4, appends: 150, locked: false)
        // The primary key refuses a second link at the same position: the race shows as failures.
        let count = try #require(try connection.rows("SELECT count(*) FROM chain").first?.int64(0))
        #expect(failures > 0 && count == Int64(600 - failures), "failures \(failures), rows \(count)")
    }

    @Test("vaults in two schemas do not wait for each other; a writer past the lock timeout fails with 55P03")
    func lockScopeAndTimeout() throws {
        let first = try freshSchema()
        let second = try freshSchema()
        let holder = try TestPostgres.connect(first)
        let sameVault = try TestPostgres.connect(first)
        let otherVault = try TestPostgres.connect(second)
        try holder.write {
            let other = try otherVault.write(lockTimeoutMilliseconds: 200) { 1 }
            #expect(other == 1)
            let refused = #expect(throws: PostgresError.self) { try sameVault.write(lockTimeoutMilliseconds: 200) { 1 } }
            #expect(refused?.sqlState == "55P03")
        }
        #expect(try sameVault.write(lockTimeoutMilliseconds: 200) { 2 } == 2)
    }

    @Test("a body that throws rolls back; a body that swallowed a failed statement is not reported committed")
    func rollbacks() throws {
        let schema = try freshSchema()
        let connection = try createChain(schema)
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.write {
                try connection.execute("INSERT INTO chain VALUES (1, 0, 1, 'a')")
                throw Abort()
            }
        }
        let swallowed = #expect(throws: PostgresError.self) {
            try connection.write {
                try connection.execute("INSERT INTO chain VALUES (1, 0, 1, 'a')")
                _ = try? connection.execute("INSERT INTO chain VALUES (1, 0, 1, 'duplicate')")
            }
        }
        #expect(swallowed?.sqlState == "25P02")
        #expect(try connection.rows("SELECT count(*) FROM chain").first?.int64(0) == 0)
        let readOnly = #expect(throws: PostgresError.self) {
            try connection.read { try connection.execute("INSERT INTO chain VALUES (1, 0, 1, 'a')") }
        }
        #expect(readOnly?.sqlState == "25006")
    }
}
