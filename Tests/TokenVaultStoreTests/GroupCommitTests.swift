import Dispatch
import Foundation
import Testing

@testable import TokenVaultStore

/// Group commit (`DatabaseQueue.groupedWrite`): writes waiting together share one transaction,
/// each keeps its own all-or-nothing effect, and nobody gets a result before the commit.
///
/// Each test lines a group up deterministically: a first write holds the leader's role (and
/// the database) until the others are queued behind it, so the queued ones form the next group.
@Suite("Group commit")
struct GroupCommitTests {
    struct Abort: Error, Equatable {}

    /// What one queued write did: its value or its error. (`NSLock`, not `Mutex`: ThreadSanitizer
    /// on Linux does not see `Mutex`'s locking and reports the accesses as a race.)
    final class Outcomes: @unchecked Sendable {
        // @unchecked Sendable: `values` is only touched under `lock`.
        private let lock = NSLock()
        private var values: [Int: Result<Int64, any Error>] = [:]
        func record(_ index: Int, _ result: Result<Int64, any Error>) { lock.withLock { values[index] = result } }
        subscript(index: Int) -> Result<Int64, any Error>? { lock.withLock { values[index] } }
    }

    /// Runs `first` as the leader's write, queues `writes` behind it (in whatever order their
    /// threads arrive: the writes must not depend on it), then lets it finish; returns when every
    /// write has returned.
    func lineUp(
        _ queue: DatabaseQueue,
        first: @escaping @Sendable (Connection) throws -> Void,
        writes: [@Sendable (Connection) throws -> Int64]
    ) throws -> Outcomes {
        let outcomes = Outcomes()
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        done.enter()
        Thread {
            defer { done.leave() }
            _ = try? queue.groupedWrite { db, _ in
                try first(db)
                holding.signal()
                release.wait()
            }
        }.start()
        try #require(holding.wait(timeout: .now() + 10) == .success)
        for (index, write) in writes.enumerated() {
            done.enter()
            Thread {
                defer { done.leave() }
                outcomes.record(index, Result { try queue.groupedWrite { db, _ in try write(db) } })
            }.start()
        }
        // Every write is queued behind the held leader before it lets go.
        let deadline = ContinuousClock.now + .seconds(10)
        while queue.groupedWritesWaiting < writes.count && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(queue.groupedWritesWaiting == writes.count)
        release.signal()
        try #require(done.wait(timeout: .now() + 20) == .success)
        return outcomes
    }

    func makeQueue(_ dir: String) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: dir + "/group.db", options: .creating())
        try queue.write { db in
            try db.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
            try db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            try db.execute("CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
        }
        return queue
    }

    @Test("writes waiting together commit as one group, each with its own value")
    func writesWaitingTogetherShareACommit() throws {
        try withTemporaryDirectory { dir in
            let queue = try makeQueue(dir)
            let writes: [@Sendable (Connection) throws -> Int64] = (1...7).map { value in
                { db in
                    try db.execute("INSERT INTO t (x) VALUES (?)", [value])
                    return Int64(value) * 10
                }
            }
            let before = queue.groupsRun
            let outcomes = try lineUp(queue, first: { db in try db.execute("INSERT INTO t (x) VALUES (0)") }, writes: writes)
            for index in 0..<7 { #expect(try outcomes[index]?.get() == Int64(index + 1) * 10) }
            #expect(queue.groupsRun - before == 2)  // the leader's group, then the seven together
            #expect(try queue.count("t") == 8)
        }
    }

    @Test("a write that throws is rolled back alone; the rest of its group commits")
    func aFailingWriteLeavesTheOthersAlone() throws {
        try withTemporaryDirectory { dir in
            let queue = try makeQueue(dir)
            let outcomes = try lineUp(
                queue, first: { _ in },
                writes: [
                    { db in
                        try db.execute("INSERT INTO t (x) VALUES (1)")
                        return 1
                    },
                    { db in
                        try db.execute("INSERT INTO t (x) VALUES (2)")
                        throw Abort()
                    },
                    { db in
                        try db.execute("INSERT INTO t (x) VALUES (3)")
                        try db.execute("INSERT INTO t (x) VALUES (3)")  // UNIQUE: a failing statement
                        return 3
                    },
                    { db in
                        try db.execute("INSERT INTO t (x) VALUES (4)")
                        return 4
                    },
                ]
            )
            #expect(try outcomes[0]?.get() == 1)
            #expect(throws: Abort.self) { try outcomes[1]?.get() }
            #expect(throws: StoreError.self) { try outcomes[2]?.get() }
            #expect(try outcomes[3]?.get() == 4)
            #expect(try queue.read { db in try db.rows("SELECT x FROM t ORDER BY x").map { $0.int64(0) } } == [1, 4])
        }
    }

    @Test("when the group's commit fails, every write of it fails and none remains")
    func aFailedCommitFailsTheWholeGroup() throws {
        try withTemporaryDirectory { dir in
            let queue = try makeQueue(dir)
            let outcomes = try lineUp(
                queue, first: { _ in },
                writes: [
                    { db in
                        try db.execute("INSERT INTO t (x) VALUES (1)")
                        return 1
                    },
                    { db in
                        // A deferred foreign key: the write itself succeeds, the COMMIT fails.
                        try db.execute("INSERT INTO child (parent) VALUES (42)")
                        return 2
                    },
                    { db in
                        try db.execute("INSERT INTO t (x) VALUES (3)")
                        return 3
                    },
                ]
            )
            for index in 0..<3 {
                let error = #expect(throws: StoreError.self) { try outcomes[index]?.get() }
                #expect(error?.code.primary == .constraint)  // SQLITE_CONSTRAINT_FOREIGNKEY
            }
            #expect(try queue.count("t") == 0)
            #expect(try queue.count("child") == 0)
            #expect(try queue.withConnection { db in db.isInTransaction } == false)
            // The queue works on afterwards.
            #expect(try queue.groupedWrite { db, _ in try db.execute("INSERT INTO t (x) VALUES (9)") } == ())
            #expect(try queue.count("t") == 1)
        }
    }

    @Test("a write may roll back what it did and go on in its savepoint")
    func aWriteCanRollBackItsOwnSavepoint() throws {
        try withTemporaryDirectory { dir in
            let queue = try makeQueue(dir)
            try queue.groupedWrite { db, savepoint in
                try db.execute("INSERT INTO t (x) VALUES (1)")
                try savepoint.rollBack()
                try db.execute("INSERT INTO t (x) VALUES (2)")
            }
            #expect(try queue.read { db in try db.rows("SELECT x FROM t").map { $0.int64(0) } } == [2])
        }
    }

    @Test("many threads writing at once: every write is kept exactly once")
    func manyThreads() throws {
        try withTemporaryDirectory { dir in
            let queue = try makeQueue(dir)
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                for index in 0..<50 {
                    _ = try? queue.groupedWrite { db, _ in try db.execute("INSERT INTO t (x) VALUES (?)", [thread * 1_000 + index]) }
                }
            }
            #expect(try queue.count("t") == 400)
        }
    }
}
