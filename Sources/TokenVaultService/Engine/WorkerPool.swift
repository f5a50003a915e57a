import Synchronization
import TokenVaultSystem

/// The worker threads (see ``Worker``), started by ``Server/run()`` and joined when it ends.
final class WorkerPool {
    let queue = WorkQueue()
    private let threads: [(thread: SystemThread, finished: FinishFlag)]

    /// Starts `count` workers.
    ///
    /// - Throws: ``SystemError`` when a thread cannot be started; the ones started are
    ///   stopped and joined first.
    init(context: EngineContext, count: Int) throws(SystemError) {
        let queue = queue
        var threads: [(thread: SystemThread, finished: FinishFlag)] = []
        for index in 0..<max(1, count) {
            let finished = FinishFlag()
            do {
                let thread = try SystemThread.start(name: "tv-worker-\(index)") {
                    Worker(context: context, queue: queue).run()
                    finished.set()
                    context.wake.wake()
                }
                threads.append((thread, finished))
            } catch {
                _ = queue.close()
                for started in threads { started.thread.join() }
                throw error
            }
        }
        self.threads = threads
    }

    /// Whether every worker has ended (after ``WorkQueue/close()``).
    var allFinished: Bool {
        threads.allSatisfy { $0.finished.isSet }
    }

    /// Joins the workers that have ended and detaches those still inside a handler: they end
    /// on their own when it returns (their writes are aborted, the queue is closed).
    ///
    /// - Returns: the number of workers left running.
    func joinOrDetach() -> Int {
        var left = 0
        for (thread, finished) in threads {
            if finished.isSet {
                thread.join()
            } else {
                thread.detach()
                left += 1
            }
        }
        return left
    }
}

/// A flag a worker sets as its last act, read by the event loop.
final class FinishFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
