internal import CPosix
internal import Glibc

/// A POSIX thread running a closure: for the long-lived threads of a server (its event loop
/// and workers), which block in system calls and must not take a cooperative pool's threads.
///
/// ```swift
/// let worker = try SystemThread.start(name: "tv-worker-1") { serveJobs() }
/// ...
/// worker.join()
/// ```
///
/// Call exactly one of ``join()`` and ``detach()``; a thread that was neither keeps its
/// resources after it ends.
package final class SystemThread: Sendable {
    private let thread: pthread_t

    private init(thread: pthread_t) {
        self.thread = thread
    }

    /// Starts a thread that runs `body`.
    ///
    /// - Parameter name: shown by `ps -L` and debuggers; cut to 15 bytes.
    /// - Throws: ``SystemError/Kind/failed`` when the system cannot start another thread.
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) -> SystemThread {
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var thread = pthread_t()
        let code = pthread_create(
            &thread, nil,
            { argument in
                let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
                var name = box.name
                while name.utf8.count > 15 { name.removeLast() }
                _ = pthread_setname_np(pthread_self(), name)
                box.body()
                return nil
            }, box.toOpaque())
        guard code == 0 else {
            box.release()
            throw .failed("cannot start a thread: \(String(cString: strerror(code)))")
        }
        return SystemThread(thread: thread)
    }

    /// Waits until the thread's closure returns.
    package func join() {
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own: its resources are freed when it does.
    package func detach() {
        pthread_detach(thread)
    }

    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
