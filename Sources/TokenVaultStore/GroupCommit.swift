internal import Glibc

/// Group commit: writes submitted by several threads at once share one transaction, and so one
/// `fsync`, while each keeps its own all-or-nothing effect and its own result.
///
/// The first thread to arrive becomes the leader. It takes every write waiting at that moment,
/// runs them one after another inside one `BEGIN IMMEDIATE` transaction, each in its own
/// savepoint, and commits once. Threads arriving meanwhile wait and form the next group. No
/// caller gets its result before the transaction holding its write has committed and, when the
/// queue syncs commits, been synced: a returned result is durable.
///
/// A leader whose group committed while other writes were waiting hands leadership over
/// *before* it syncs (the group's ``OwedSync``): the next group runs while this one's `fsync` is
/// in flight, and this group's callers get their results when it returns.
///
/// A write that throws is rolled back to its savepoint and its caller gets the error; the others
/// in its group are not affected. If the commit itself fails, every caller in the group gets that
/// error and nothing of the group remains.
///
/// Each waiting caller sleeps on a condition of its own and is woken only when it has something
/// to do: its write is done, or it is the first in line and leadership is free. (A single
/// condition broadcast to every waiter at each step cost a context switch per waiter, which on
/// two cores took a good part of the time the pipelined syncs saved.)
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
    private var waiting: [PendingWrite] = []
    private var leaderActive = false
    private var groupCount = 0

    /// One caller's write, type-erased for the leader.
    final class PendingWrite {
        private let perform: (Connection, DatabaseQueue.Savepoint) -> Bool
        private let failure: (any Error) -> Void
        /// The body ran and threw: its own error is its result, whatever happens to the group.
        private(set) var hasFailed = false
        /// A leader has taken it into a group (which may still be syncing): it waits, never leads.
        var isTaken = false
        var isDone = false
        /// Where its caller sleeps; signalled (under the mutex) when it is done or may lead.
        let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init(perform: @escaping (Connection, DatabaseQueue.Savepoint) -> Bool, fail: @escaping (any Error) -> Void) {
            self.perform = perform
            self.failure = fail
            pthread_cond_init(wakeUp, nil)
        }

        deinit {
            pthread_cond_destroy(wakeUp)
            wakeUp.deallocate()
        }

        /// Runs the caller's body and stores its value or error; true when it returned.
        func run(_ db: Connection, _ savepoint: DatabaseQueue.Savepoint) -> Bool {
            hasFailed = !perform(db, savepoint)
            return !hasFailed
        }

        /// Makes the group's failure this write's result.
        func fail(_ error: any Error) { failure(error) }
    }

    /// The sync a committed group still owes its callers, made after the next group was let in.
    struct OwedSync {
        let sync: () throws -> Void
    }

    /// Writes waiting for a leader (tests use it to line up a group).
    var waitingCount: Int { lock.withLock { waiting.count } }

    /// Groups run so far, committed or not (tests use it to see that writes were grouped).
    var groupsRun: Int { lock.withLock { groupCount } }

    /// Frees leadership and wakes the first write in line to take it. Called with the mutex held.
    private func handOverLeadership() {
        leaderActive = false
        if let next = waiting.first { pthread_cond_signal(next.wakeUp) }
    }

    /// Runs `body` in a savepoint of a shared write transaction; returns its value after that
    /// transaction committed and, if it owed one, its sync returned.
    ///
    /// - Parameter runGroup: runs a group's writes in one transaction (see ``DatabaseQueue``)
    ///   and returns the sync it still owes, if any; its second argument tells whether other
    ///   writes are waiting for the next group.
    func submit<T>(
        _ body: (Connection, DatabaseQueue.Savepoint) throws -> T,
        runGroup: ([PendingWrite], () -> Bool) -> OwedSync?
    ) throws -> T {
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
                if leaderActive || write.isTaken {
                    pthread_cond_wait(write.wakeUp, mutex)
                    continue
                }
                leaderActive = true
                let group = waiting
                waiting.removeAll(keepingCapacity: true)
                for member in group { member.isTaken = true }
                pthread_mutex_unlock(mutex)
                let owed = runGroup(group) { [self] in lock.withLock { !waiting.isEmpty } }
                pthread_mutex_lock(mutex)
                if let owed {
                    handOverLeadership()
                    pthread_mutex_unlock(mutex)
                    do {
                        try owed.sync()
                    } catch {
                        for member in group where !member.hasFailed { member.fail(error) }
                    }
                    pthread_mutex_lock(mutex)
                } else {
                    handOverLeadership()
                }
                for member in group {
                    member.isDone = true
                    pthread_cond_signal(member.wakeUp)
                }
                groupCount += 1
            }
            pthread_mutex_unlock(mutex)
            guard let outcome else { preconditionFailure("a grouped write finished without a result") }
            return try outcome.get()
        }
    }
}
