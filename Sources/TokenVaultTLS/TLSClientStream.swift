package import TokenVaultSystem

/// A TLS connection from a client, with blocking calls that each wait at most a time-out: the
/// CLI's connection to `tokenvault serve --listen`.
///
/// ```swift
/// let stream = try TLSClientStream(connectingTo: TCPEndpoint(parsing: "vault.example.com:8443"),
///                                  context: TLSClientContext(caFile: caFile), timeoutSeconds: 30)
/// try stream.writeAll(request)
/// let count = try stream.read(into: buffer)  // 0: the server closed the connection
/// ```
///
/// The handshake verifies the server's certificate against the context's CA and the host name
/// connected to; a server that cannot prove it is that host is never sent a byte of a request.
package final class TLSClientStream {
    private let socket: StreamSocket
    private let session: TLSSession
    private let timeoutMilliseconds: Int

    /// Connects and completes the handshake.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when the host does not resolve;
    ///   ``SystemError/Kind/failed`` when the connection is refused or times out, or the
    ///   handshake fails (the server's certificate is not trusted or does not name the host,
    ///   or it refused the client's), with OpenSSL's reason.
    package init(connectingTo endpoint: TCPEndpoint, context: TLSClientContext, timeoutSeconds: Int) throws(SystemError) {
        timeoutMilliseconds = max(1, timeoutSeconds) * 1_000
        socket = try StreamSocket.connect(to: endpoint, timeoutMilliseconds: Int32(clamping: timeoutMilliseconds))
        session = try context.session(on: socket.descriptor, serverName: endpoint.host)
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        while true {
            switch session.handshake() {
            case .done:
                return
            case .wait:
                try wait(until: deadline, doing: "the TLS handshake with \(endpoint)")
            case .failed(let reason):
                socket.close()
                throw .failed("TLS handshake with \(endpoint) failed: \(reason)")
            }
        }
    }

    deinit { close() }

    /// Writes every byte of `bytes`.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the server closed the connection or did not
    ///   take the bytes in time.
    package func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        var offset = 0
        while offset < bytes.count {
            let transfer = bytes.withUnsafeBytes { session.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch transfer {
            case .transferred(let count): offset += count
            case .wouldBlock: try wait(until: deadline, doing: "writing to the server")
            case .endOfFile, .failed: throw .failed("cannot write to the server: the connection broke off")
            }
        }
    }

    /// Reads what is available into `buffer`, waiting for at least one byte; 0 when the server
    /// closed the connection.
    ///
    /// - Throws: ``SystemError/Kind/failed`` on a time-out or a broken connection.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        while true {
            switch session.receive(into: buffer) {
            case .transferred(let count): return count
            case .endOfFile: return 0
            case .wouldBlock: try wait(until: deadline, doing: "reading from the server")
            case .failed:
                // Under TLS 1.3 a server that refuses the client's certificate says so after the
                // client's side of the handshake: its alert arrives here.
                throw .failed("cannot read from the server: \(session.failureReason ?? "the connection broke off")")
            }
        }
    }

    /// Sends close_notify and closes the socket. Calling it again does nothing.
    package func close() {
        guard socket.isOpen else { return }
        session.close()
        socket.close()
    }

    private func wait(until deadline: ContinuousClock.Instant, doing what: String) throws(SystemError) {
        let milliseconds = PollSet.milliseconds(until: deadline)
        guard milliseconds > 0, !PollSet.wait(for: socket.descriptor, session.waitingFor, timeoutMilliseconds: milliseconds).isEmpty else {
            socket.close()
            throw .failed("timed out \(what)")
        }
    }
}
