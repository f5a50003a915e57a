internal import CPosix
internal import Glibc

extension StreamSocket {
    /// Connects to `endpoint` (its first address that accepts), waiting at most
    /// `timeoutMilliseconds`; the socket is non-blocking, close-on-exec, with `TCP_NODELAY`.
    ///
    /// ```swift
    /// let socket = try StreamSocket.connect(to: TCPEndpoint(parsing: "127.0.0.1:8443"), timeoutMilliseconds: 5_000)
    /// ```
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when the host does not resolve;
    ///   ``SystemError/Kind/failed`` when no address accepts in time (refused, unreachable,
    ///   timed out).
    package static func connect(to endpoint: TCPEndpoint, timeoutMilliseconds: Int32) throws(SystemError) -> StreamSocket {
        var reason = "no address"
        let connected: StreamSocket? = try endpoint.withEachAddress(passive: false) { address, length, family -> StreamSocket? in
            let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard descriptor >= 0 else {
                reason = SystemError.errnoMessage
                return nil
            }
            var result = Glibc.connect(descriptor, address, length)
            if result != 0 && errno == EINPROGRESS {
                if PollSet.wait(for: descriptor, .writable, timeoutMilliseconds: Int(timeoutMilliseconds)).isEmpty {
                    errno = ETIMEDOUT
                } else {
                    var error: Int32 = 0
                    var size = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
                    result = error == 0 ? 0 : -1
                    errno = error
                }
            }
            guard result == 0 else {
                reason = SystemError.errnoMessage
                Glibc.close(descriptor)
                return nil
            }
            disableNagle(descriptor)
            return StreamSocket(descriptor: descriptor)
        }
        guard let connected else { throw .failed("cannot connect to \(endpoint): \(reason)") }
        return connected
    }

    /// Sends small writes at once instead of waiting to fill a segment (`TCP_NODELAY`).
    static func disableNagle(_ descriptor: Int32) {
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }
}
