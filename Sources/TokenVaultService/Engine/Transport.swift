import TokenVaultSystem
import TokenVaultTLS

/// How a connection's bytes travel: as they are on the Unix socket, or through TLS on the TCP
/// listener. Non-blocking both ways; after `.wouldBlock`, ``waitingFor`` says what to poll for.
///
/// Like the connection that owns it, used by one thread at a time.
protocol Transport: AnyObject {
    /// The socket's descriptor, for a ``PollSet``; -1 once closed.
    var descriptor: Int32 { get }
    var isOpen: Bool { get }
    /// What the last `.wouldBlock` waits for.
    var waitingFor: PollSet.Events { get }
    /// What the last `.wouldBlock` of ``receive(into:)`` waits for: what to poll for while
    /// waiting for a request (TLS may need to write to read on).
    var receiveWaitsFor: PollSet.Events { get }
    /// Whether a read shorter than the buffer means nothing more is waiting: true for a plain
    /// socket; TLS hands out one record per read.
    var shortReadDrains: Bool { get }
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> SocketTransfer
    func send(_ bytes: UnsafeRawBufferPointer) -> SocketTransfer
    /// Ends the writing side (after TLS's close_notify): the peer reads the end of the stream.
    func shutdownWriting()
    func close()
}

extension Transport {
    /// Writes `bytes` once, without waiting (a refusal just before closing); whether every byte
    /// was taken.
    @discardableResult
    func sendOnce(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send($0) } == .transferred(bytes.count)
    }
}

/// The Unix socket's bytes, as they are.
final class PlainTransport: Transport {
    private let socket: StreamSocket
    private(set) var waitingFor: PollSet.Events = .readable

    init(_ socket: StreamSocket) {
        self.socket = socket
    }

    var descriptor: Int32 { socket.descriptor }
    var isOpen: Bool { socket.isOpen }
    var shortReadDrains: Bool { true }
    var receiveWaitsFor: PollSet.Events { .readable }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> SocketTransfer {
        waitingFor = .readable
        return socket.receive(into: buffer)
    }

    func send(_ bytes: UnsafeRawBufferPointer) -> SocketTransfer {
        waitingFor = .writable
        return socket.send(bytes)
    }

    func shutdownWriting() { socket.shutdownWriting() }
    func close() { socket.close() }
}

/// A TLS session over an accepted TCP socket; requests are read only once ``handshake()`` is
/// done.
///
/// After ``shutdownWriting()`` (a refused request, then a lingering close) the session is gone:
/// what the client still sends is read from the socket as it is, to be dropped.
final class TLSTransport: Transport {
    private let socket: StreamSocket
    private let session: TLSSession
    private var writingShut = false
    private(set) var receiveWaitsFor: PollSet.Events = .readable

    init(_ socket: StreamSocket, session: TLSSession) {
        self.socket = socket
        self.session = session
    }

    var descriptor: Int32 { socket.descriptor }
    var isOpen: Bool { socket.isOpen }
    var waitingFor: PollSet.Events { writingShut ? .readable : session.waitingFor }
    var shortReadDrains: Bool { false }

    /// Runs the handshake as far as it goes without waiting.
    func handshake() -> TLSSession.Handshake { session.handshake() }

    /// The verified client certificate's fingerprint, once the handshake is done.
    var peerFingerprint: String? { session.peerFingerprint }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> SocketTransfer {
        guard !writingShut else { return socket.receive(into: buffer) }
        let transfer = session.receive(into: buffer)
        if transfer == .wouldBlock { receiveWaitsFor = session.waitingFor }
        return transfer
    }

    func send(_ bytes: UnsafeRawBufferPointer) -> SocketTransfer { session.send(bytes) }

    func shutdownWriting() {
        guard !writingShut else { return }
        writingShut = true
        session.close()
        socket.shutdownWriting()
    }

    func close() {
        guard socket.isOpen else { return }
        session.close()
        socket.close()
    }
}
