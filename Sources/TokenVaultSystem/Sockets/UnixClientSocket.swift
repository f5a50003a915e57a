internal import CPosix
internal import Glibc

/// A blocking connection to a Unix stream socket, for a client such as the CLI talking to
/// `tokenvault serve`.
///
/// Every read and write waits at most `timeoutSeconds` (`SO_RCVTIMEO`, `SO_SNDTIMEO`; also
/// the wait for a full listen queue in `connect`), so a stuck server cannot hang the client.
/// The descriptor closes with ``close()`` or when the value is released.
///
/// ```swift
/// let client = try UnixClientSocket(connectingTo: "/run/tokenvault/api.sock", timeoutSeconds: 5)
/// try client.writeAll(Array("GET /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n".utf8))
/// let reply = try client.readToEnd(limit: 1 << 20)
/// ```
package final class UnixClientSocket {
    private var descriptor: Int32

    /// Connects to the socket file at `path`.
    ///
    /// - Throws: ``SystemError/Kind/notFound`` when nothing is at `path`;
    ///   ``SystemError/Kind/invalidInput`` for a path too long for a socket;
    ///   ``SystemError/Kind/failed`` when the connection is refused (no server listens),
    ///   not permitted, or times out.
    package init(connectingTo path: String, timeoutSeconds: Int = 5) throws(SystemError) {
        let address = try UnixSocketAddress(path: path)
        let shown = DisplayText.clean(path, limit: 60)
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .failed("cannot create a socket: \(SystemError.errnoMessage)") }
        var timeout = timeval(tv_sec: max(1, timeoutSeconds), tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, size) == 0,
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, size) == 0
        else {
            defer { close() }
            throw .failed("cannot set the socket's time-outs: \(SystemError.errnoMessage)")
        }
        while address.withSocketAddress({ connect(descriptor, $0, $1) }) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            close()
            switch reason {
            case ENOENT: throw SystemError(.notFound, "no socket '\(shown)'")
            case ECONNREFUSED: throw .failed("cannot connect to '\(shown)': no server is listening")
            case EAGAIN, EINPROGRESS: throw .failed("cannot connect to '\(shown)': the server did not accept in time")
            default: throw .failed("cannot connect to '\(shown)': \(String(cString: strerror(reason)))")
            }
        }
    }

    deinit { close() }

    /// Writes every byte of `bytes`.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the server closed the connection or did not
    ///   take the bytes within the time-out.
    package func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                offset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                throw .failed("cannot write to the server: \(errno == EAGAIN ? "timed out" : SystemError.errnoMessage)")
            }
        }
    }

    /// Reads what is available, at most `maximumCount` bytes; waits for at least one. An empty
    /// result means the server closed the connection.
    ///
    /// - Throws: ``SystemError/Kind/failed`` on a time-out or a reset connection.
    package func read(upTo maximumCount: Int = 16_384) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(1, maximumCount))
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            if errno == EINTR { continue }
            throw .failed("cannot read from the server: \(errno == EAGAIN ? "timed out" : SystemError.errnoMessage)")
        }
    }

    /// Reads what is available into `buffer`, without an intermediate copy (the caller owns,
    /// and wipes, the only one); waits for at least one byte. Returns 0 when the server closed
    /// the connection.
    ///
    /// - Throws: ``SystemError/Kind/failed`` on a time-out or a reset connection.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = recv(descriptor, base, buffer.count, 0)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .failed("cannot read from the server: \(errno == EAGAIN ? "timed out" : SystemError.errnoMessage)")
        }
    }

    /// Reads until the server closes the connection.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` past `limit` bytes; ``SystemError/Kind/failed``
    ///   as ``read(upTo:)`` does.
    package func readToEnd(limit: Int) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk = try read()
            if chunk.isEmpty { return bytes }
            bytes += chunk
            guard bytes.count <= limit else { throw .invalid("the server's reply is larger than \(limit) bytes") }
        }
    }

    /// Ends the writing side: the server reads the end of the stream after the request.
    package func shutdownWriting() {
        guard descriptor >= 0 else { return }
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the connection. Calling it again does nothing.
    package func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }
}
