import TokenVaultHTTP
import TokenVaultSystem
import TokenVaultTLS

/// One client connection: its transport, its peer, and the parser holding the bytes received
/// but not yet answered.
///
/// A connection has one owner at a time: the event loop while it waits for bytes, one worker
/// while its requests are answered. It changes owner only through a locked queue (``WorkQueue``
/// or ``EngineContext/giveBack(_:)``), whose lock orders every access, hence `@unchecked
/// Sendable`.
final class Connection: @unchecked Sendable {
    let transport: any Transport
    /// Who connected; a TLS client's certificate is filled in when the handshake is done.
    private(set) var peer: ConnectionPeer
    /// Whether the TLS handshake is still to finish (no request is read before it).
    private(set) var handshakePending: Bool
    /// Whether it came through a TLS listener.
    let isRemote: Bool
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

    init(_ accepted: Listener.Accepted, now: ContinuousClock.Instant) {
        transport = accepted.transport
        peer = accepted.peer
        handshakePending = accepted.transport is TLSTransport
        isRemote = handshakePending
        // A handshake must finish within the read time-out, as a request must.
        requestInProgress = handshakePending
        waitingSince = now
    }

    /// Runs the TLS handshake as far as it goes; once done, the peer carries the verified
    /// client certificate's fingerprint and the connection waits for its first request.
    func continueHandshake(now: ContinuousClock.Instant) -> TLSSession.Handshake {
        guard handshakePending, let tls = transport as? TLSTransport else { return .done }
        let progress = tls.handshake()
        if progress == .done, case .remote(let address, _) = peer {
            peer = .remote(address: address, certificateFingerprint: tls.peerFingerprint)
            handshakePending = false
            requestInProgress = false
            waitingSince = now
        }
        return progress
    }

    /// What the event loop polls the connection for: what the handshake waits for, else a request.
    var pollEvents: PollSet.Events { handshakePending ? transport.waitingFor : transport.receiveWaitsFor }

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
