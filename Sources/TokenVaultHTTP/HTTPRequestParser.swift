/// An incremental parser of HTTP/1.1 requests: append bytes as they arrive, take requests
/// out in order.
///
/// One parser serves one connection. Pipelined requests in one buffer come out one per
/// call to ``next()``, in the order they were sent, so the server answers them in order.
/// The parser does no I/O: the server reads from its socket, appends, and calls ``next()``
/// until it returns nil (more bytes needed).
///
/// ```swift
/// var parser = HTTPRequestParser()
/// parser.append(bytesReadFromSocket)
/// do {
///     while let request = try parser.next() {
///         let response = route(request)
///         write(response.serialized())
///         if !request.keepAlive || !response.keepAlive { close(); break }
///     }
/// } catch {
///     write(HTTPResponse(error: error).serialized())  // then close the connection
/// }
/// ```
///
/// ### Limits
///
/// The head (request line, header fields and the empty line that ends them) is at most
/// ``maximumHeadLength`` bytes, the request line alone at most ``maximumRequestLineLength``,
/// the body at most ``maximumBodyLength``. The parser looks at no more than the head's limit
/// while it searches for the head's end, and refuses a body over its limit from its
/// `Content-Length` alone, before any of it arrives. So ``next()`` never returns nil while
/// ``bufferedByteCount`` is ``maximumRequestLength`` or more: a server that reads only while
/// the count is below that bound never holds more than one request's limit plus one read.
public struct HTTPRequestParser: Sendable {
    /// The longest request line, not counting its CRLF: 4 KiB. Over it: 414 URI Too Long.
    public static let maximumRequestLineLength = 4096
    /// The longest head (request line, header fields, CRLFs and the empty line): 8 KiB.
    /// Over it: 431 Request Header Fields Too Large.
    public static let maximumHeadLength = 8192
    /// The largest `Content-Length`: 64 KiB. Over it: 413 Content Too Large.
    public static let maximumBodyLength = 65_536
    /// The most one request can take: ``maximumHeadLength`` plus ``maximumBodyLength``.
    public static let maximumRequestLength = maximumHeadLength + maximumBodyLength

    private var buffer: [UInt8] = []
    /// Where the current request starts in `buffer`; the bytes before it are consumed.
    private var start = 0
    /// The search for the end of the current head.
    private var scanner = HTTPHeadScanner(maximumHeadLength: maximumHeadLength, maximumStartLineLength: maximumRequestLineLength)
    /// The current request's head, once parsed, while its body arrives.
    private var pendingHead: HTTPRequestHead?
    /// The error that ended parsing, rethrown by every later call.
    private var failure: HTTPError?

    /// Creates a parser for a new connection.
    public init() {}

    /// The number of bytes appended but not yet returned as part of a request.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Appends bytes read from the connection.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, or nil when more bytes are needed.
    ///
    /// - Throws: an ``HTTPError`` when the request is refused; the parser then stays failed
    ///   and throws the same error on every later call, and the server answers with the
    ///   error's status and closes the connection. See ``HTTPError`` for what maps to which
    ///   status.
    public mutating func next() throws(HTTPError) -> HTTPRequest? {
        if let failure { throw failure }
        do throws(HTTPError) {
            return try parseNext()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func parseNext() throws(HTTPError) -> HTTPRequest? {
        if pendingHead == nil {
            guard let headEnd = try findHeadEnd() else { return nil }
            // The head without the CRLF CRLF that ends it.
            pendingHead = try HTTPRequestHead(parsing: buffer[start..<(headEnd - 4)])
            start = headEnd
        }
        guard let head = pendingHead, bufferedByteCount >= head.contentLength else { return nil }
        let body = Array(buffer[start..<(start + head.contentLength)])
        start += head.contentLength
        pendingHead = nil
        compact()
        scanner.reset(to: start)
        return HTTPRequest(head: head, body: body)
    }

    /// Searches for the CRLF CRLF that ends the head, at most ``maximumHeadLength`` bytes
    /// into the request, checking line endings and the request line's length on the way.
    ///
    /// - Returns: the index after the empty line, or nil when more bytes are needed.
    /// - Throws: ``HTTPError/badRequest`` for a bare LF or CR, ``HTTPError/uriTooLong``,
    ///   ``HTTPError/headerFieldsTooLarge``.
    private mutating func findHeadEnd() throws(HTTPError) -> Int? {
        do throws(HTTPHeadScanner.Failure) {
            return try scanner.findEnd(in: buffer, from: start)
        } catch {
            switch error {
            case .bareLineEnding: throw .badRequest
            case .startLineTooLong: throw .uriTooLong
            case .headTooLarge: throw .headerFieldsTooLarge
            }
        }
    }

    /// Drops consumed bytes once they are most of the buffer, so a long-lived connection's
    /// buffer does not grow and the copy is paid at most once per byte on average.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.maximumRequestLength)
            start = 0
        } else if start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }
}
