/// An incremental parser of HTTP/1.1 responses, for a client: append bytes as they arrive,
/// take responses out in order, and say when the connection has ended.
///
/// One parser serves one connection. The parser does no I/O: the client reads from its
/// socket, appends, and calls ``next()`` until it returns a response or nil (more bytes
/// needed). When the server closes the connection, the client calls ``finish()`` and then
/// ``next()`` again: a body without `Content-Length` (a stream of JSON Lines, say) ends there,
/// and a response cut short is refused.
///
/// ```swift
/// var parser = HTTPResponseParser()
/// while true {
///     let bytes = read(socket)
///     if bytes.isEmpty { parser.finish() } else { parser.append(bytes) }
///     if let response = try parser.next() { return response }
///     if bytes.isEmpty { throw ClientError.noResponse }  // closed before any byte of one
/// }
/// ```
///
/// ### Framing
///
/// A body is framed by `Content-Length`, or, without it, by the end of the connection (the
/// response then does not keep the connection alive). `204 No Content` and `304 Not Modified`
/// have no body. `Transfer-Encoding` is refused rather than half-supported: the service frames
/// its bodies in the first two ways only. The parser assumes the request was not `HEAD`
/// (whose response has a `Content-Length` but no body); the client sends none.
///
/// ### Limits
///
/// The head (status line, header fields and the empty line) is at most ``maximumHeadLength``
/// bytes; the body at most ``maximumBodyLength``, refused from its `Content-Length` alone or as
/// soon as a body delimited by the connection's end grows past it. So the parser never holds
/// more than one response's limits plus one read.
///
/// Security: the server is trusted no more than a client is by the server. A response that is
/// not exactly framed is refused (a bare CR or LF, a folded line, a repeated `Content-Length`,
/// bytes after a response that closed the connection), so that one response cannot be read as
/// two.
///
/// A response may carry a secret (a fetch): the parser zeroes the bytes it drops, and the
/// storage it outgrows, so that it leaves no copy behind in freed memory. The body it returns
/// is the caller's copy to wipe.
public struct HTTPResponseParser: Sendable {
    /// The longest head (status line, header fields, CRLFs and the empty line): 8 KiB.
    public static let maximumHeadLength = 8192
    /// The default limit of a body: 16 MiB (an audit trail exported in full is large).
    public static let defaultMaximumBodyLength = 16 * 1024 * 1024

    /// The largest body this parser accepts.
    public let maximumBodyLength: Int

    private var buffer: [UInt8] = []
    /// Where the current response starts in `buffer`; the bytes before it are consumed.
    private var start = 0
    /// The search for the end of the current head (the status line has no limit of its own).
    private var scanner = HTTPHeadScanner(maximumHeadLength: maximumHeadLength, maximumStartLineLength: maximumHeadLength)
    /// The current response's head, once parsed, while its body arrives.
    private var pendingHead: HTTPResponseHead?
    /// Whether ``finish()`` was called: no more bytes will come.
    private var ended = false
    /// Whether a response that closes the connection was returned: no more may follow.
    private var closed = false
    /// The error that ended parsing, rethrown by every later call.
    private var failure: HTTPResponseError?

    /// Creates a parser for a new connection.
    ///
    /// - Parameter maximumBodyLength: the largest body accepted, ``defaultMaximumBodyLength``
    ///   unless the caller expects less.
    /// - Precondition: `maximumBodyLength` is not negative.
    public init(maximumBodyLength: Int = defaultMaximumBodyLength) {
        precondition(maximumBodyLength >= 0, "a body limit is not negative")
        self.maximumBodyLength = maximumBodyLength
    }

    /// The number of bytes appended but not yet returned as part of a response.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Appends bytes read from the connection.
    ///
    /// - Precondition: ``finish()`` has not been called.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        precondition(!ended, "bytes appended after the end of the connection")
        let needed = buffer.count + bytes.count
        if needed > buffer.capacity && !buffer.isEmpty {
            // Grown by hand, so that the storage left behind is zeroed before it is freed.
            var grown: [UInt8] = []
            grown.reserveCapacity(Swift.max(needed, buffer.capacity * 2))
            grown.append(contentsOf: buffer)
            Self.zero(&buffer, from: 0)
            buffer = grown
        }
        buffer.append(contentsOf: bytes)
    }

    /// Records that the connection has ended (the read returned 0 bytes): the next call to
    /// ``next()`` returns a body delimited by the connection's end, or refuses a response cut
    /// short, instead of waiting for more bytes.
    public mutating func finish() {
        ended = true
    }

    /// The next complete response, or nil when more bytes are needed; after ``finish()``, nil
    /// when no bytes are left.
    ///
    /// - Throws: an ``HTTPResponseError`` when the response is refused; the parser then stays
    ///   failed and throws the same error on every later call, and the client closes the
    ///   connection.
    public mutating func next() throws(HTTPResponseError) -> HTTPClientResponse? {
        if let failure { throw failure }
        do throws(HTTPResponseError) {
            return try parseNext()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func parseNext() throws(HTTPResponseError) -> HTTPClientResponse? {
        if closed {
            guard bufferedByteCount == 0 else { throw .malformed }
            return nil
        }
        if pendingHead == nil {
            guard let headEnd = try findHeadEnd() else {
                guard ended && bufferedByteCount > 0 else { return nil }
                throw .truncated
            }
            // The head without the CRLF CRLF that ends it.
            pendingHead = try HTTPResponseHead(parsing: buffer[start..<(headEnd - 4)], maximumBodyLength: maximumBodyLength)
            start = headEnd
        }
        guard let head = pendingHead else { return nil }
        let bodyLength: Int
        switch head.framing {
        case .length(let length):
            guard bufferedByteCount >= length else {
                guard !ended else { throw .truncated }
                return nil
            }
            bodyLength = length
        case .untilClose:
            guard bufferedByteCount <= maximumBodyLength else { throw .bodyTooLarge }
            guard ended else { return nil }
            bodyLength = bufferedByteCount
        }
        let body = Array(buffer[start..<(start + bodyLength)])
        start += bodyLength
        pendingHead = nil
        closed = !head.keepAlive
        compact()
        scanner.reset(to: start)
        return HTTPClientResponse(head: head, body: body)
    }

    /// Searches for the CRLF CRLF that ends the head, at most ``maximumHeadLength`` bytes into
    /// the response, checking line endings on the way.
    ///
    /// - Returns: the index after the empty line, or nil when more bytes are needed.
    /// - Throws: ``HTTPResponseError/malformed`` for a bare LF or CR,
    ///   ``HTTPResponseError/headTooLarge``.
    private mutating func findHeadEnd() throws(HTTPResponseError) -> Int? {
        do throws(HTTPHeadScanner.Failure) {
            return try scanner.findEnd(in: buffer, from: start)
        } catch {
            switch error {
            case .bareLineEnding: throw .malformed
            case .startLineTooLong, .headTooLarge: throw .headTooLarge
            }
        }
    }

    /// Drops consumed bytes once they are most of the buffer, so a long-lived connection's
    /// buffer does not grow and the copy is paid at most once per byte on average.
    /// The dropped bytes are zeroed first: when the buffer is emptied, and when the bytes left
    /// are moved to its front (the places they leave are zeroed too).
    private mutating func compact() {
        if start == buffer.count {
            Self.zero(&buffer, from: 0)
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.maximumHeadLength + 65_536)
            start = 0
        } else if start >= buffer.count / 2 {
            let kept = buffer.count - start
            buffer.withUnsafeMutableBufferPointer { bytes in
                for index in 0..<kept { bytes[index] = bytes[start + index] }
            }
            Self.zero(&buffer, from: kept)
            buffer.removeLast(start)
            start = 0
        }
    }

    /// Overwrites `bytes[offset...]` with zeros.
    private static func zero(_ bytes: inout [UInt8], from offset: Int) {
        bytes.withUnsafeMutableBufferPointer { buffer in
            guard offset < buffer.count, let base = buffer.baseAddress else { return }
            (base + offset).update(repeating: 0, count: buffer.count - offset)
        }
    }
}
