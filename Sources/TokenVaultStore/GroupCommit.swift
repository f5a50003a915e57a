internal import Glibc

/// Group commit: writes submitted by several threads at once share one transaction, and so one
/// `fsync`, while each keeps its own all-or-nothing effect and its own result.
///
/// The first thread to arrive becomes the leader. It takes every write waiting at that moment,
/// runs them one after another inside one `BEGIN IMMEDIATE` transaction, each in its own
/// savepoint, and commits once. Threads arriving meanwhile wait and form the next group. No
/// caller gets its result before the transaction holding its write has committed: with
/// `synchronous = FULL` a returned result is durable.
///
/// A write that throws is rolled back to its savepoint and its caller gets the error; the others
/// in its group are not affected. If the commit itself fails, every caller in the group gets that
/// error and nothing of the group remains.
///
/// This is the technique of database write-ahead logs since System R; SQLite offers no group
/// commit of its own, since each connection commits on its own.
final class GroupCommit: @unchecked Sendable {
    // @unchecked Sendable: `waiting` and `leaderActive` are read and written only with `mutex`
    // held. A `PendingWrite` is handed from its caller to the leader through `waiting` and
    // back through `isDone`, both under `mutex`, which orders the accesses; the caller does not
    // touch it while the leader runs it.
    private let lock = Lock()
    private var mutex: UnsafeMutablePointer<pthread_mutex_t> { lock.mutex }
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var waiting: [PendingWrite] = []
    private var leaderActive = false
    private var groupCount = 0
    private var groupedWriteCount = 0

    init() {
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    /// One caller's write, type-erased for the leader.
    final class PendingWrite {
        private let perform: (Connection, DatabaseQueue.Savepoint) -> Bool
        private let failure: (any Error) -> Void
        /// The body ran and threw: its own error is its result, whatever happens to the group.
        private(set) var hasFailed = false
        var isDone = false

        init(perform: @escaping (Connection, DatabaseQueue.Savepoint) -> Bool, fail: @escaping (any Error) -> Void) {
            self.perform = perform
            self.failure = fail
        }

        /// Runs the caller's body and stores its value or error; true when it returned.
        func run(_ db: Connection, _ savepoint: DatabaseQueue.Savepoint) -> Bool {
            hasFailed = !perform(db, savepoint)
            return !hasFailed
        }

        /// Makes the group's failure this write's result.
        func fail(_ error: any Error) { failure(error) }
    }

    /// Writes waiting for a leader (tests use it to line up a group).
    var waitingCount: Int { lock.withLock { waiting.count } }

    /// Groups run so far, committed or not (tests use it to see that writes were grouped).
    var groupsRun: Int { lock.withLock { groupCount } }

    /// Groups run and the writes they held, so far: their ratio is the mean group size.
    var totals: (groups: Int, writes: Int) { lock.withLock { (groupCount, groupedWriteCount) } }

    /// Runs `body` in a savepoint of a shared write transaction; returns its value after that
    /// transaction committed.
    ///
    /// - Parameter runGroup: runs a group's writes in one transaction (see ``DatabaseQueue``).
    func submit<T>(_ body: (Connection, DatabaseQueue.Savepoint) throws -> T, runGroup: ([PendingWrite]) -> Void) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var outcome: Result<T, any Error>?
            let write = PendingWrite(
                perform: { db, savepoint in
                    do {
                        outcome = .success(try body(db, savepoint))
                        return true
                    } catch {
                        outcome = .failure(error)
                        return false
                    }
                },
                fail: { error in outcome = .failure(error) }
            )
            pthread_mutex_lock(mutex)
            waiting.append(write)
            while !write.isDone {
                if leaderActive {
                    pthread_cond_wait(condition, mutex)
                    continue
                }
                leaderActive = true
                let group = waiting
                waiting.removeAll(keepingCapacity: true)
                pthread_mutex_unlock(mutex)
                runGroup(group)
                pthread_mutex_lock(mutex)
                for member in group { member.isDone = true }
                groupCount += 1
                groupedWriteCount += group.count
                leaderActive = false
                pthread_cond_broadcast(condition)
            }
            pthread_mutex_unlock(mutex)
            guard let outcome else { preconditionFailure("a grouped write finished without a result") }
            return try outcome.get()
        }
    }
}
