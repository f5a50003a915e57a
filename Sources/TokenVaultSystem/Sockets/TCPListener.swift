internal import CPosix
internal import Glibc
import Synchronization

/// A listening TCP socket, for `tokenvault serve --listen` (which speaks only TLS on it).
///
/// The descriptor is non-blocking and closes on `exec`; ``accept()`` returns each waiting
/// connection as a non-blocking ``StreamSocket`` with the client's address, `TCP_NODELAY`
/// set (requests and answers are small, and each is written at once).
///
/// ```swift
/// let listener = try TCPListener.bind(TCPEndpoint(parsing: "127.0.0.1:8443"))
/// listener.endpoint.port  // the bound port, also when 0 was asked for
/// ```
package final class TCPListener: Sendable {
    /// The listening descriptor, for a ``PollSet``.
    package let descriptor: Int32
    /// Where it listens, with the port the system gave when 0 was asked for.
    package let endpoint: TCPEndpoint
    private let closed = Atomic<Bool>(false)

    private init(descriptor: Int32, endpoint: TCPEndpoint) {
        self.descriptor = descriptor
        self.endpoint = endpoint
    }

    deinit { close() }

    /// Listens on the first address `endpoint` resolves to (`SO_REUSEADDR`, so a restart does
    /// not wait for old connections' `TIME_WAIT`).
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when the host does not resolve;
    ///   ``SystemError/Kind/failed`` when the address is in use or not this host's, or a
    ///   system call fails.
    package static func bind(_ endpoint: TCPEndpoint, backlog: Int32 = UnixListener.defaultBacklog) throws(SystemError) -> TCPListener {
        var failure: SystemError?
        let bound: TCPListener? = try endpoint.withEachAddress(passive: true) { address, length, family -> TCPListener? in
            let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard descriptor >= 0 else {
                failure = .failed("cannot create a socket: \(SystemError.errnoMessage)")
                return nil
            }
            var on: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            guard Glibc.bind(descriptor, address, length) == 0, listen(descriptor, backlog) == 0 else {
                failure = .failed("cannot listen on \(endpoint): \(SystemError.errnoMessage)")
                Glibc.close(descriptor)
                return nil
            }
            var local = sockaddr_storage()
            var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let port = withUnsafeMutablePointer(to: &local) { storage in
                storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> UInt16 in
                    guard getsockname(descriptor, pointer, &localLength) == 0 else { return endpoint.port }
                    return TCPEndpoint(pointer)?.port ?? endpoint.port
                }
            }
            return TCPListener(descriptor: descriptor, endpoint: TCPEndpoint(host: endpoint.host, port: port))
        }
        guard let bound else { throw failure ?? .failed("cannot listen on \(endpoint): no address") }
        return bound
    }

    /// Takes the next waiting connection and its client's address (`HOST:PORT`), or returns
    /// nil when none is waiting.
    ///
    /// - Throws: ``SystemError/Kind/failed`` as ``UnixListener/accept()`` does.
    package func accept() throws(SystemError) -> (socket: StreamSocket, address: String)? {
        var peer = sockaddr_storage()
        return try withUnsafeMutablePointer(to: &peer) { storage throws(SystemError) in
            try storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer throws(SystemError) in
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                guard let connection = try StreamSocket.accept(on: descriptor, peer: pointer, length: &length) else { return nil }
                StreamSocket.disableNagle(connection)
                return (StreamSocket(descriptor: connection), TCPEndpoint(pointer)?.description ?? "unknown")
            }
        }
    }

    /// Stops listening. Calling it again does nothing.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(descriptor)
    }
}
