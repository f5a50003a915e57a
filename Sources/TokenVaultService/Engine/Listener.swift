package import TokenVaultSystem
package import TokenVaultTLS

/// One socket a ``Server`` accepts connections on: the Unix socket, whose callers the kernel
/// names, or a TCP port that speaks only TLS.
///
/// ```swift
/// var configuration = ServerConfiguration(listener: try UnixListener.bind(path: path))
/// configuration.listeners.append(.tls(try TCPListener.bind(endpoint), context: tlsContext))
/// ```
package enum Listener: Sendable {
    case unix(UnixListener)
    /// TLS on every connection (there is no plain TCP): the handshake runs first, on the event
    /// loop, within the request read time-out.
    case tls(TCPListener, context: TLSServerContext)

    /// The listening descriptor, for a ``PollSet``.
    var descriptor: Int32 {
        switch self {
        case .unix(let listener): listener.descriptor
        case .tls(let listener, _): listener.descriptor
        }
    }

    /// Whether it speaks TLS.
    var isTLS: Bool {
        if case .tls = self { return true }
        return false
    }

    /// Stops listening (removing a socket file the Unix listener created).
    func close() {
        switch self {
        case .unix(let listener): listener.close()
        case .tls(let listener, _): listener.close()
        }
    }

    /// Where it listens, for log lines: the socket's path, or `https://HOST:PORT`.
    package var description: String {
        switch self {
        case .unix(let listener): listener.path ?? "the socket systemd passed"
        case .tls(let listener, _): "https://\(listener.endpoint)"
        }
    }

    /// A connection accepted: its transport, and its peer (a TLS peer's certificate is known
    /// after the handshake).
    struct Accepted {
        let transport: any Transport
        let peer: ConnectionPeer
    }

    /// The next waiting connection, or nil.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when out of descriptors or memory; a connection
    ///   that cannot be set up (its credentials unreadable, no TLS session) is closed and
    ///   skipped.
    func accept() throws(SystemError) -> Accepted? {
        while true {
            switch self {
            case .unix(let listener):
                guard let socket = try listener.accept() else { return nil }
                guard let credentials = try? socket.peerCredentials() else {
                    socket.close()
                    continue
                }
                return Accepted(transport: PlainTransport(socket), peer: .local(credentials))
            case .tls(let listener, let context):
                guard let (socket, address) = try listener.accept() else { return nil }
                guard let session = try? context.session(on: socket.descriptor) else {
                    socket.close()
                    continue
                }
                return Accepted(transport: TLSTransport(socket, session: session), peer: .remote(address: address, certificateFingerprint: nil))
            }
        }
    }
}
