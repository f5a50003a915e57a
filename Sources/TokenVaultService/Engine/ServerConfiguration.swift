package import TokenVaultSystem

/// How a ``Server`` listens and the limits it keeps.
///
/// ```swift
/// var configuration = ServerConfiguration(listener: try UnixListener.bind(path: socketPath))
/// configuration.listeners.append(.tls(try TCPListener.bind(endpoint), context: tls))
/// configuration.maxConnections = 64
/// configuration.idleTimeout = .seconds(30)
/// ```
///
/// The defaults suit a local API whose handlers wait on disk: many workers so that concurrent
/// writes share a commit, timeouts that keep a slow or stuck client from holding a
/// connection for long.
package struct ServerConfiguration: Sendable {
    /// The listening sockets. The server closes them when it shuts down (which removes a
    /// socket file it created).
    package var listeners: [Listener]
    /// Open connections at most; one more is accepted, answered 503 and closed. 256 by default.
    package var maxConnections = 256
    /// Open connections of the TLS listeners at most, within ``maxConnections``: half of it by
    /// default, so that callers from the network (stalled handshakes included) cannot take the
    /// slots of the Unix socket's local callers. One more is closed at once.
    package var maxRemoteConnections: Int?
    /// From the first byte of a request until it is complete, at most: a slower client (a
    /// slowloris) is answered 408 and closed. 5 s by default.
    package var requestReadTimeout: Duration = .seconds(5)
    /// How long a keep-alive connection may wait for its next request; then it is closed
    /// without a response. 60 s by default.
    package var idleTimeout: Duration = .seconds(60)
    /// How long a response may take to be written; a client that does not read it is closed.
    /// 5 s by default.
    package var writeTimeout: Duration = .seconds(5)
    /// How long a graceful shutdown waits for requests in progress to be answered before
    /// closing what is left. 10 s by default.
    package var shutdownGracePeriod: Duration = .seconds(10)
    /// Worker threads, each answering one request at a time. 32 by default: handlers block on
    /// `fsync` in group commits, and requests that wait together share a commit.
    package var workerCount = 32
    /// Whether ``Server/run()`` turns SIGTERM and SIGINT into a graceful shutdown (its handlers
    /// are installed for the run, then the previous ones are put back). True by default; a
    /// process that runs a server among other things (a test) stops it with ``Server/stop()``.
    package var handlesTerminationSignals = true
    /// Where ``Server/run()`` sends `READY=1` and `STOPPING=1`: `$NOTIFY_SOCKET` by default,
    /// nil not to notify.
    package var notifySocket: String? = SystemdNotify.socketFromEnvironment
    /// Receives one line for each event an operator may want to see (a signal, a failed
    /// `accept`); nothing by default. Called on the event loop's thread: it must not block.
    package var log: @Sendable (String) -> Void = { _ in }

    /// A configuration with the default limits, listening on a Unix socket.
    package init(listener: UnixListener) {
        listeners = [.unix(listener)]
    }
}
