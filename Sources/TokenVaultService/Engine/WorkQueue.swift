import TokenVaultHTTP
import TokenVaultSystem

/// A connection with a complete request, for a worker to answer.
struct Job: Sendable {
    let connection: Connection
    let request: HTTPRequest
}

/// The jobs waiting for a worker, first in first out.
///
/// Bounded without a limit of its own: a connection is in at most one job, so the queue
/// never holds more than ``ServerConfiguration/maxConnections`` jobs.
final class WorkQueue: @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `head` and `isClosed` are only touched under `lock`.
    private let lock = ConditionLock()
    private var jobs: [Job] = []
    private var head = 0
    private var isClosed = false

    /// Queues a job and wakes one waiting worker.
    func push(_ job: Job) {
        lock.withLock { jobs.append(job) }
        lock.signal()
    }

    /// The next job; waits for one. Nil once the queue is closed.
    func pop() -> Job? {
        lock.lock()
        defer { lock.unlock() }
        while head == jobs.count && !isClosed { lock.wait() }
        guard !isClosed else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Closes the queue: every waiting worker wakes and gets nil. Returns the jobs no worker
    /// took, whose connections the caller closes.
    func close() -> [Job] {
        let left = lock.withLock {
            isClosed = true
            defer {
                jobs.removeAll()
                head = 0
            }
            return Array(jobs[head...])
        }
        lock.broadcast()
        return left
    }
}
