import Synchronization
package import TokenVaultSystem

/// An HTTP/1.1 server on a Unix socket, and on TLS listeners: an event loop and a pool of
/// workers around a ``RequestHandler``.
///
/// ``run()`` runs the event loop on the calling thread and returns once a graceful shutdown
/// has finished, after SIGTERM or SIGINT or a call to ``stop()``. Requests are parsed by
/// `HTTPRequestParser`, within its limits; the handler is called on a worker thread.
///
/// ```swift
/// let listener = try UnixListener.adoptSystemdSocket() ?? UnixListener.bind(path: path, mode: 0o660)
/// let server = try Server(configuration: ServerConfiguration(listener: listener), handler: API(vault: vault))
/// try server.run()  // sends READY=1 to systemd, returns after SIGTERM
/// ```
///
/// ### Limits
///
/// - At most ``ServerConfiguration/maxConnections`` connections are open; one more is
///   answered 503 (a JSON error, `Connection: close`) and closed.
/// - A request must be complete within ``ServerConfiguration/requestReadTimeout`` of its first
///   byte (408 and close); a keep-alive connection may wait
///   ``ServerConfiguration/idleTimeout`` for its next request (then it is closed); a response
///   must be taken by the client within ``ServerConfiguration/writeTimeout`` (else closed).
/// - Per connection, memory is the parser's buffer: at most one request's limit
///   (`HTTPRequestParser.maximumRequestLength`, 72 KiB) plus one 16 KiB read.
/// - A request the parser refuses is answered with its status (`HTTPResponse(error:)`) and
///   the connection closed.
///
/// ### Shutdown
///
/// On the first SIGTERM or SIGINT (when ``ServerConfiguration/handlesTerminationSignals``) or
/// ``stop()``, the server closes the listener (removing the socket file it created), sends
/// `STOPPING=1`, closes idle connections, and lets requests in progress finish: each is
/// answered with `Connection: close`. After ``ServerConfiguration/shutdownGracePeriod`` (or a
/// second signal), what is left is closed. Workers are then joined; one still inside the
/// handler a second later is detached and ``run()`` returns anyway.
package final class Server: Sendable {
    /// The counters the server keeps (the instance given to ``init(configuration:handler:statistics:)``).
    package let statistics: ServerStatistics
    private let context: EngineContext
    private let started = Atomic<Bool>(false)

    /// Creates a server; nothing runs until ``run()``.
    ///
    /// - Parameter statistics: the counters to update; give the same instance to a handler
    ///   that serves metrics.
    /// - Throws: ``SystemError/Kind/failed`` when the process is out of descriptors.
    package init(configuration: ServerConfiguration, handler: some RequestHandler, statistics: ServerStatistics = ServerStatistics())
        throws(SystemError)
    {
        self.statistics = statistics
        context = try EngineContext(configuration: configuration, handler: handler, statistics: statistics)
    }

    /// The configuration the server runs with.
    package var configuration: ServerConfiguration { context.configuration }

    /// Serves until a graceful shutdown has finished; call it once.
    ///
    /// Installs the SIGTERM and SIGINT handlers (when configured; the previous ones are put
    /// back on return), starts the workers, sends `READY=1` to the notify socket (systemd's
    /// `Type=notify`: the socket is listening and requests are served from now on), then runs
    /// the event loop on this thread. The listener is closed when it returns, or throws.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when a thread cannot be started, the handlers
    ///   cannot be installed, or `poll` fails.
    package func run() throws(SystemError) {
        precondition(!started.exchange(true, ordering: .acquiringAndReleasing), "Server.run() is called once")
        defer { for listener in configuration.listeners { listener.close() } }
        // OpenSSL writes with write(2): a client gone mid-write must not raise SIGPIPE.
        if configuration.listeners.contains(where: \.isTLS) { Hardening.ignoreBrokenPipes() }
        let signals = configuration.handlesTerminationSignals ? try TerminationSignals.install() : nil
        defer { signals?.restore() }
        let pool = try WorkerPool(context: context, count: configuration.workerCount)
        if let socket = configuration.notifySocket { SystemdNotify.send("READY=1", to: socket) }
        try EventLoop(context: context, pool: pool, signals: signals).run()
    }

    /// Starts the graceful shutdown, as SIGTERM does. Safe from any thread, at any time (also
    /// before ``run()``, which then returns at once); ``run()`` returns when it has finished.
    package func stop() {
        context.stopRequested.store(true, ordering: .releasing)
        context.wake.wake()
    }
}
