import Dispatch
import Synchronization
import Testing

@testable import TokenVaultStore

@Suite("Parallel reads of one snapshot")
struct ParallelSnapshotTests {
    struct Boom: Error, Equatable {}

    @Test("every part reads through its own connection, and the results come back in part order")
    func partsInOrder() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/parts.db"
            let queue = try DatabaseQueue(path: path, options: .creating(durability: .normal))
            try queue.write { db in
                try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
                for id in 1...100 { try db.execute("INSERT INTO t (id) VALUES (?)", [id]) }
            }
            let sums = try ParallelSnapshot.read(location: .file(path), options: Connection.Options(), parts: 4) { part, parts, db in
                #expect(parts == 4)
                #expect(db.isInTransaction)
                return try db.integer("SELECT sum(id) FROM t WHERE id % ? = ?", [parts, part]) ?? -1
            }
            #expect(sums == [1300, 1225, 1250, 1275])
            // The transactions are over: a checkpoint can truncate the WAL.
            #expect(try queue.withConnection { db in db.checkpointAndTruncateWAL() })
        }
    }

    @Test("an error thrown by a part is thrown to the caller")
    func errorsPropagate() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/errors.db"
            _ = try Connection(path: path, options: .creating())
            #expect(throws: Boom()) {
                _ = try ParallelSnapshot.read(location: .file(path), options: Connection.Options(), parts: 3) { part, _, _ in
                    if part == 1 { throw Boom() }
                    return part
                }
            }
        }
    }

    @Test("while another connection keeps committing, all parts of a read see the same snapshot")
    func oneSnapshotUnderWrites() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/snapshot.db"
            let queue = try DatabaseQueue(path: path, options: .creating(durability: .normal))
            try queue.write { db in try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)") }
            let stop = Atomic<Bool>(false)
            let writerDone = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                defer { writerDone.signal() }
                while !stop.load(ordering: .relaxed) {
                    _ = try? queue.write { db in try db.execute("INSERT INTO t DEFAULT VALUES") }
                }
            }
            defer {
                stop.store(true, ordering: .relaxed)
                writerDone.wait()
            }
            var snapshots = 0
            for _ in 0..<200 {
                let counts = try ParallelSnapshot.read(location: .file(path), options: Connection.Options(), parts: 3) { _, _, db in
                    try db.integer("SELECT count(*) FROM t") ?? -1
                }
                #expect(counts.count == 3 || counts.count == 1)
                #expect(Set(counts).count == 1, "parts saw different snapshots: \(counts)")
                if counts.count == 3 { snapshots += 1 }
            }
            #expect(snapshots > 0)
        }
    }
}
