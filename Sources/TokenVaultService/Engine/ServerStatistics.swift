import Synchronization

/// Counters of a ``Server``'s connections, for a metrics endpoint (Prometheus).
///
/// Every property can be read from any thread, while the server runs; the server updates them
/// with atomic operations. A handler that serves metrics is given the same instance the
/// server counts into:
///
/// ```swift
/// let statistics = ServerStatistics()
/// let server = try Server(configuration: configuration, handler: API(statistics: statistics), statistics: statistics)
/// // in the handler:
/// "tokenvault_connections_open \(statistics.openConnections)"
/// ```
public final class ServerStatistics: Sendable {
    private let open = Atomic<Int>(0)
    private let accepted = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let timedOut = Atomic<Int>(0)
    private let requests = Atomic<Int>(0)
    private let handshakes = Atomic<Int>(0)

    /// Creates counters at zero.
    public init() {}

    /// Connections open now: waiting for a request, being answered, or idle between requests.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Connections accepted since the start, those refused over the limit included.
    public var acceptedConnectionsTotal: Int { accepted.load(ordering: .relaxed) }

    /// Connections refused with 503 because ``ServerConfiguration/maxConnections`` were open.
    public var refusedOverLimitTotal: Int { refused.load(ordering: .relaxed) }

    /// Connections closed for being too slow: a request not complete within
    /// ``ServerConfiguration/requestReadTimeout`` (answered 408), or a response not taken
    /// within ``ServerConfiguration/writeTimeout``, or a TLS handshake not done within the read
    /// time-out. Idle keep-alive connections closed after
    /// ``ServerConfiguration/idleTimeout`` are not counted: that is normal.
    public var timedOutTotal: Int { timedOut.load(ordering: .relaxed) }

    /// Requests answered by the handler (refusals by the parser not included).
    public var requestsTotal: Int { requests.load(ordering: .relaxed) }

    /// TLS handshakes that failed: plain HTTP on the TLS port, a client certificate refused, a
    /// protocol or cipher the client and the server do not share. (A stalled handshake counts
    /// as timed out.)
    public var failedHandshakesTotal: Int { handshakes.load(ordering: .relaxed) }

    func connectionOpened() {
        accepted.add(1, ordering: .relaxed)
        open.add(1, ordering: .relaxed)
    }

    func connectionClosed() {
        open.subtract(1, ordering: .relaxed)
    }

    func connectionRefused() {
        accepted.add(1, ordering: .relaxed)
        refused.add(1, ordering: .relaxed)
    }

    func connectionTimedOut() {
        timedOut.add(1, ordering: .relaxed)
    }

    func handshakeFailed() {
        handshakes.add(1, ordering: .relaxed)
    }

    func requestAnswered() {
        requests.add(1, ordering: .relaxed)
    }
}
