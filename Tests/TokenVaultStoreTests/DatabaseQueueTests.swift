import Dispatch
import Foundation
import Synchronization
import Testing

@testable import TokenVaultStore

@Suite("DatabaseQueue transactions, concurrency and locking")
struct DatabaseQueueTests {
    struct Abort: Error, Equatable {}

    @Test("a write that throws rolls back everything it wrote")
    func rollbackOnThrow() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/rollback.db", options: .creating())
            try queue.write { db in
                try db.execute("CREATE TABLE t (x INTEGER NOT NULL)")
                try db.execute("INSERT INTO t (x) VALUES (?)", [1])
            }
            #expect(throws: Abort()) {
                try queue.write { db in
                    try db.execute("INSERT INTO t (x) VALUES (?)", [2])
                    try db.execute("INSERT INTO t (x) VALUES (?)", [3])
                    try db.execute("CREATE TABLE u (y INTEGER)")
                    #expect(db.isInTransaction)
                    throw Abort()
                }
            }
            #expect(try queue.count("t") == 1)
            #expect(try queue.tableExists("u") == false)
            #expect(try queue.withConnection { db in db.isInTransaction } == false)

            // A failing statement inside the body rolls back the earlier ones too.
            #expect(throws: StoreError.self) {
                try queue.write { db in
                    try db.execute("INSERT INTO t (x) VALUES (?)", [4])
                    try db.execute("INSERT INTO t (x) VALUES (?)", [SQLValue.null])  // NOT NULL
                }
            }
            #expect(try queue.read { db in try db.rows("SELECT x FROM t").map { $0.int64(0) } } == [1])
            #expect(try queue.withConnection { db in db.isInTransaction } == false)
        }
    }

    @Test("a read is read-only: a write inside it fails, and the connection writes again afterwards")
    func readsAreReadOnly() throws {
        try withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir + "/read-only.db", options: .creating())
            try queue.write { db in try db.execute("CREATE TABLE t (x INTEGER)") }
            do {
                try queue.read { db in try db.execute("INSERT INTO t (x) VALUES (?)", [1]) }
                Issue.record("a write inside a read succeeded")
            } catch let error as StoreError {
                #expect(error.code ~= .readOnly)
            }
            // Unprepared SQL too (it could hold anything).
            do {
                try queue.read { db in try db.execute("DELETE FROM t") }
                Issue.record("unprepared SQL inside a read ran")
            } catch let error as StoreError {
                #expect(error.code ~= .readOnly)
            }
            try queue.write { db in try db.execute("INSERT INTO t (x) VALUES (?)", [2]) }
            #expect(try queue.read { db in try db.rows("SELECT x FROM t").compactMap { $0.int64(0) } } == [2])
        }
    }

    @Test("a write that returns commits, and another connection sees it")
    func commit() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/commit.db"
            let queue = try DatabaseQueue(path: path, options: .creating())
            let returned = try queue.write { db -> Int64 in
                try db.execute("CREATE TABLE t (x INTEGER)")
                try db.execute("INSERT INTO t (x) VALUES (?)", [7])
                try db.execute("INSERT INTO t (x) VALUES (?)", [8])
                return db.lastInsertedRowID
            }
            #expect(returned == 2)
            #expect(try queue.withConnection { db in db.isInTransaction } == false)
            let other = try DatabaseQueue(path: path, options: Connection.Options())
            #expect(try other.read { db in try db.rows("SELECT x FROM t ORDER BY x").map { $0.int64(0) } } == [7, 8])
        }
    }

    @Test("8 threads × 200 writes lose no row")
    func concurrentWrites() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/concurrent.db"
            // NORMAL durability: this tests serialisation, not fsync throughput.
            let queue = try DatabaseQueue(path: path, options: .creating(durability: .normal))
            try queue.write { db in
                try db.execute("CREATE TABLE t (thread INTEGER NOT NULL, i INTEGER NOT NULL, UNIQUE (thread, i))")
            }
            let threads = 8
            let perThread = 200
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for i in 0..<perThread {
                    do {
                        try queue.write { db in
                            // Read-modify-write inside the transaction: a lost update would show.
                            let before = try db.integer("SELECT count(*) FROM t") ?? -1
                            try db.execute("INSERT INTO t (thread, i) VALUES (?, ?)", [thread, i])
                            let after = try db.integer("SELECT count(*) FROM t") ?? -1
                            if after != before + 1 { throw Abort() }
                        }
                    } catch {
                        failures.record(error)
                    }
                }
            }
            #expect(failures.count == 0)
            #expect(try queue.count("t") == Int64(threads * perThread))
            #expect(try queue.read { db in try db.integer("SELECT count(DISTINCT thread) FROM t") } == Int64(threads))
            // Every row committed: visible from a fresh connection.
            let other = try DatabaseQueue(path: path, options: Connection.Options())
            #expect(try other.count("t") == Int64(threads * perThread))
        }
    }

    @Test("a second queue cannot write while the first holds a write transaction: SQLITE_BUSY")
    func busy() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/busy.db"
            let first = try DatabaseQueue(path: path, options: .creating(durability: .normal))
            try first.write { db in try db.execute("CREATE TABLE t (x INTEGER)") }
            let second = try DatabaseQueue(path: path, options: .creating(busyTimeoutMilliseconds: 200))

            let holding = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            let failures = Failures()
            Thread {
                defer { finished.signal() }
                do {
                    try first.write { db in
                        try db.execute("INSERT INTO t (x) VALUES (?)", [1])
                        holding.signal()
                        release.wait()
                    }
                } catch {
                    failures.record(error)
                    holding.signal()
                }
            }.start()
            var released = false
            defer {
                // On an early exit, let the holder finish before the directory goes away.
                if !released {
                    release.signal()
                    _ = finished.wait(timeout: .now() + 10)
                }
            }
            try #require(holding.wait(timeout: .now() + 10) == .success)
            try #require(failures.count == 0)

            let start = ContinuousClock.now
            let error = #expect(throws: StoreError.self) {
                try second.write { db in try db.execute("INSERT INTO t (x) VALUES (?)", [2]) }
            }
            let waited = ContinuousClock.now - start
            #expect(error?.code.isBusy == true)
            #expect(error.map { ResultCode.busy ~= $0.code } == true)
            // It waited for the busy timeout (200 ms), not the 5 s default, and not zero.
            #expect(waited >= .milliseconds(150))
            #expect(waited < .seconds(3))
            // WAL readers are not blocked, and do not see the uncommitted row.
            #expect(try second.count("t") == 0)
            #expect(try second.withConnection { db in db.isInTransaction } == false)

            release.signal()
            released = true
            #expect(finished.wait(timeout: .now() + 10) == .success)
            #expect(failures.count == 0)
            // Once the lock is released the second queue writes, and sees the first's row.
            try second.write { db in try db.execute("INSERT INTO t (x) VALUES (?)", [2]) }
            #expect(try second.read { db in try db.rows("SELECT x FROM t ORDER BY x").map { $0.int64(0) } } == [1, 2])
        }
    }

    @Test("read runs in a transaction with a consistent snapshot")
    func readSnapshot() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/snapshot.db"
            let reader = try DatabaseQueue(path: path, options: .creating(durability: .normal))
            let writer = try DatabaseQueue(path: path, options: Connection.Options())
            try writer.write { db in try db.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)") }
            let counts = try reader.read { db -> [Int64] in
                #expect(db.isInTransaction)
                let first = try db.integer("SELECT count(*) FROM t") ?? -1
                try writer.write { other in try other.execute("INSERT INTO t VALUES (2)") }
                let second = try db.integer("SELECT count(*) FROM t") ?? -1
                return [first, second]
            }
            #expect(counts == [1, 1])
            #expect(try reader.count("t") == 2)
        }
    }
}

/// Errors recorded from other threads.
final class Failures: Sendable {
    private let errors = Mutex<[String]>([])

    func record(_ error: any Error) { errors.withLock { $0.append(String(describing: error)) } }
    var count: Int { errors.withLock { $0.count } }
}
