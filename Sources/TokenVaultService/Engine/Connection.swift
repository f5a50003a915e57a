import TokenVaultHTTP
import TokenVaultSystem

/// One client connection: its socket, the peer's credentials, and the parser holding the
/// bytes received but not yet answered.
///
/// A connection has one owner at a time: the event loop while it waits for bytes, one worker
/// while its requests are answered. It changes owner only through a locked queue (``WorkQueue``
/// or ``EngineContext/giveBack(_:)``), whose lock orders every access, hence `@unchecked
/// Sendable`.
final class Connection: @unchecked Sendable {
    let socket: StreamSocket
    let peer: PeerCredentials
    /// The bytes received and not yet taken as requests. Replaced by a new, empty parser when
    /// the connection goes idle, which frees the buffer a large request grew.
    var parser = HTTPRequestParser()
    /// Whether bytes of a request arrived that are not yet a complete request (the read
    /// timeout runs).
    private(set) var requestInProgress = false
    /// When the current wait started: the first byte of the request in progress, or the
    /// moment the connection became idle.
    var waitingSince: ContinuousClock.Instant
    /// Whether the client ended its side (end of stream) after a complete request: the
    /// requests received are answered, then the connection is closed.
    var peerShutDown = false

    init(socket: StreamSocket, peer: PeerCredentials, now: ContinuousClock.Instant) {
        self.socket = socket
        self.peer = peer
        waitingSince = now
    }

    /// Appends bytes read from the socket; starts the read timeout at the first byte of a request.
    func append(_ bytes: ArraySlice<UInt8>, now: ContinuousClock.Instant) {
        guard !bytes.isEmpty else { return }
        parser.append(bytes)
        if !requestInProgress {
            requestInProgress = true
            waitingSince = now
        }
    }

    /// The next complete request buffered, or nil when more bytes are needed.
    ///
    /// - Throws: the parser's refusal; the connection is then answered with it and closed.
    func nextRequest() throws(HTTPError) -> HTTPRequest? {
        guard let request = try parser.next() else { return nil }
        // The parser returns a request as soon as it is complete, with nothing of the next
        // one parsed: whatever is left is the start of a pipelined request.
        requestInProgress = parser.bufferedByteCount > 0
        return request
    }

    /// Marks the start of a wait in the event loop: the next request's read timeout when bytes
    /// of it are buffered, the idle timeout otherwise (and the buffer is released).
    func startWaiting(now: ContinuousClock.Instant) {
        waitingSince = now
        if !requestInProgress { parser = HTTPRequestParser() }
    }

    /// When the current wait ends: the read timeout in progress, or the idle timeout.
    func deadline(_ configuration: ServerConfiguration) -> ContinuousClock.Instant {
        waitingSince + (requestInProgress ? configuration.requestReadTimeout : configuration.idleTimeout)
    }
}
