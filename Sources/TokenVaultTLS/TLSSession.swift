internal import CTLS
internal import TokenVaultCrypto
package import TokenVaultSystem

/// One TLS connection over a non-blocking socket: the handshake, then reads and writes that,
/// like the socket's, never block.
///
/// An operation that must wait returns `.wouldBlock` (or ``Handshake/wait``), and
/// ``waitingFor`` says whether for the socket to become readable or writable: TLS may need to
/// read to write, or the reverse.
///
/// ```swift
/// switch session.handshake() {
/// case .done: connection.peer = .remote(address: address, certificate: session.peerFingerprint)
/// case .wait: poll(socket, for: session.waitingFor)
/// case .failed(let reason): log("TLS handshake failed: \(reason)")
/// }
/// ```
///
/// Not thread-safe: one thread at a time (a server hands a connection between threads through
/// a lock, which orders the accesses). The socket stays the caller's: close it after ``close()``.
///
/// Security: OpenSSL cleanses its plaintext buffers when the session is freed; callers wipe
/// their own.
package final class TLSSession {
    private var session: OpaquePointer?
    /// What the last operation that returned `.wouldBlock` is waiting for.
    package private(set) var waitingFor: PollSet.Events = .readable

    /// How far a handshake got.
    package enum Handshake: Equatable {
        /// Established: requests can be read.
        case done
        /// Call again once the socket is ready for ``TLSSession/waitingFor``.
        case wait
        /// Refused or broken off, with OpenSSL's reason ("wrong version number", "certificate
        /// has expired", "tlsv1 alert unknown ca").
        case failed(String)
    }

    init(context: OpaquePointer, descriptor: Int32, serverName: String?) throws(SystemError) {
        var error = TLSLibrary.errorBuffer()
        let made = error.withUnsafeMutableBufferPointer { buffer in
            ctls_session_new(context, descriptor, serverName, buffer.baseAddress, buffer.count)
        }
        guard let made else { throw .failed("cannot start TLS: \(TLSLibrary.text(of: error))") }
        session = made
    }

    deinit { free() }

    /// Runs the handshake as far as it goes without waiting.
    package func handshake() -> Handshake {
        guard let session else { return .failed("closed") }
        var error = TLSLibrary.errorBuffer()
        let result = error.withUnsafeMutableBufferPointer { ctls_handshake(session, $0.baseAddress, $0.count) }
        switch Int(result) {
        case CTLS_DONE: return .done
        case CTLS_WANT_READ, CTLS_WANT_WRITE:
            waitingFor = Int(result) == CTLS_WANT_READ ? .readable : .writable
            return .wait
        default: return .failed(TLSLibrary.text(of: error))
        }
    }

    /// Reads decrypted bytes, at most `buffer.count`.
    /// Once ``close()`` was called there is nothing more to read: `.endOfFile`.
    package func receive(into buffer: UnsafeMutableRawBufferPointer) -> SocketTransfer {
        guard let session else { return .endOfFile }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .transferred(0) }
        return transfer(ctls_read(session, base, Int32(clamping: buffer.count)))
    }

    /// Encrypts and writes as much of `bytes` as the socket takes now.
    package func send(_ bytes: UnsafeRawBufferPointer) -> SocketTransfer {
        guard let session else { return .failed(errno: 0) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .transferred(0) }
        return transfer(ctls_write(session, base, Int32(clamping: bytes.count)))
    }

    /// The SHA-256 fingerprint (lowercase hex) of the certificate the peer presented and the
    /// handshake verified, or nil when it presented none.
    package var peerFingerprint: String? {
        guard let session else { return nil }
        var digest = [UInt8](repeating: 0, count: 32)
        guard digest.withUnsafeMutableBufferPointer({ ctls_peer_fingerprint(session, $0.baseAddress) }) == 1 else { return nil }
        return Hex.encode(digest)
    }

    /// OpenSSL's reason for the last read or write that failed (an alert from the peer:
    /// `tlsv1 alert unknown ca`, `sslv3 alert certificate expired`), or nil.
    package var failureReason: String? {
        guard let session, let reason = ctls_failure(session) else { return nil }
        let text = String(cString: reason)
        return text.isEmpty ? nil : DisplayText.clean(text, limit: 160)
    }

    /// The protocol agreed: `TLSv1.3` or `TLSv1.2`.
    package var protocolName: String {
        guard let session, let name = ctls_protocol(session) else { return "" }
        return String(cString: name)
    }

    /// Sends close_notify (without waiting for the peer's) and frees the session.
    package func close() {
        if let session { ctls_shutdown(session) }
        free()
    }

    private func free() {
        guard let session else { return }
        ctls_session_free(session)
        self.session = nil
    }

    private func transfer(_ result: Int32) -> SocketTransfer {
        switch Int(result) {
        case 1...: return .transferred(Int(result))
        case CTLS_WANT_READ, CTLS_WANT_WRITE:
            waitingFor = Int(result) == CTLS_WANT_READ ? .readable : .writable
            return .wouldBlock
        case CTLS_CLOSED: return .endOfFile
        default: return .failed(errno: 0)
        }
    }
}
