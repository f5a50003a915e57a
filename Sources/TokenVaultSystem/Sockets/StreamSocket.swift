internal import CPosix
internal import Glibc

/// A connected, non-blocking Unix stream socket that a ``UnixListener`` accepted.
///
/// Reads and writes never block: each returns a ``SocketTransfer``, and the caller waits for
/// readiness with ``PollSet``. Writes use `MSG_NOSIGNAL`, so a peer that went away is a
/// `.failed(errno: EPIPE)` instead of a `SIGPIPE`. The descriptor closes with ``close()`` or
/// when the value is released.
///
/// ```swift
/// guard let socket = try listener.accept() else { return }  // nothing waiting
/// let peer = try socket.peerCredentials()
/// ```
///
/// Not thread-safe: one thread at a time uses a socket (a server hands it from thread to
/// thread through a lock, which orders the accesses).
package final class StreamSocket {
    /// The descriptor, for a ``PollSet``; -1 once closed.
    package private(set) var descriptor: Int32

    /// Takes ownership of a connected socket descriptor.
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Whether ``close()`` has not been called.
    package var isOpen: Bool { descriptor >= 0 }

    /// The credentials of the process that connected (see ``PeerCredentials``).
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the kernel does not give them.
    package func peerCredentials() throws(SystemError) -> PeerCredentials {
        try PeerCredentials.of(descriptor: descriptor)
    }

    /// Reads what is available, at most `buffer.count` bytes.
    package func receive(into buffer: UnsafeMutableRawBufferPointer) -> SocketTransfer {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .transferred(0) }
        while true {
            let count = recv(descriptor, base, buffer.count, 0)
            if count > 0 { return .transferred(count) }
            if count == 0 { return .endOfFile }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed(errno: errno)
        }
    }

    /// Writes as much of `bytes` as the socket takes now.
    package func send(_ bytes: UnsafeRawBufferPointer) -> SocketTransfer {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .transferred(0) }
        while true {
            let count = Glibc.send(descriptor, base, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .transferred(count) }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed(errno: errno)
        }
    }

    /// Writes `bytes` once, without waiting: for a short reply just before closing (a refusal
    /// on a connection whose send buffer is empty). Returns whether every byte was taken.
    @discardableResult
    package func sendOnce(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send($0) } == .transferred(bytes.count)
    }

    /// Ends the writing side: the peer reads the end of the stream after the bytes sent.
    package func shutdownWriting() {
        guard isOpen else { return }
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the descriptor. Calling it again does nothing.
    package func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// The descriptor of the next connection waiting on the listening socket `listener`
    /// (non-blocking, close-on-exec: `accept4`), its peer's address written to `peer` when
    /// given; nil when none is waiting. A client that gave up while queued is skipped.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when out of descriptors or memory, or the
    ///   listener is closed.
    static func accept(on listener: Int32, peer: UnsafeMutablePointer<sockaddr>?, length: inout socklen_t) throws(SystemError) -> Int32? {
        let capacity = length
        while true {
            length = capacity
            let flags = Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            let connection = peer == nil ? accept4(listener, nil, nil, flags) : accept4(listener, peer, &length, flags)
            if connection >= 0 { return connection }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return nil
            case EINTR, ECONNABORTED, EPROTO: continue
            default: throw .failed("cannot accept a connection: \(SystemError.errnoMessage)")
            }
        }
    }
}
