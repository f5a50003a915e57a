/// A response to serialize: a status, header fields and a body.
///
/// ``serialized()`` always writes `Content-Length` and `Connection`, from ``body`` and
/// ``keepAlive``; fields of those names in ``headers`` are left out.
///
/// ```swift
/// let response = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array("hi".utf8))
/// response.serialized()
/// // "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi"
/// ```
public struct HTTPResponse: Sendable, Hashable {
    /// The status code and reason phrase.
    public var status: HTTPStatus
    /// The header fields, written in order before `Content-Length` and `Connection`.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]
    /// Whether the server keeps the connection open after this response
    /// (`Connection: keep-alive`) or closes it (`Connection: close`).
    public var keepAlive: Bool

    /// Creates a response.
    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = [], keepAlive: Bool = true) {
        self.status = status
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The response to a refused request: the error's status, its reason phrase as a
    /// plain-text body, and `Connection: close` (after a parse error the connection's framing
    /// cannot be trusted).
    public init(error: HTTPError) {
        self.init(
            status: error.status,
            headers: ["Content-Type": "text/plain; charset=utf-8"],
            body: Array("\(error.status.reasonPhrase)\n".utf8),
            keepAlive: false
        )
    }

    /// The response as bytes on the wire: `HTTP/1.1`, the status line, the header fields,
    /// `Content-Length`, `Connection`, an empty line and the body.
    ///
    /// - Precondition: every header name is a token and no value holds a CR, LF or NUL
    ///   (header fields are the server's own, never copied from a request unchecked).
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count + 64 * (headers.count + 3))
        bytes.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for header in headers
        where !HTTPSyntax.equalsIgnoringCase(header.name, "Content-Length") && !HTTPSyntax.equalsIgnoringCase(header.name, "Connection") {
            precondition(HTTPSyntax.isToken(header.name.utf8), "a header name is a token")
            precondition(!header.value.utf8.contains { $0 == 0 || $0 == 0x0A || $0 == 0x0D }, "a header value has no CR, LF or NUL")
            bytes.append(contentsOf: "\(header.name): \(header.value)\r\n".utf8)
        }
        bytes.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        bytes.append(contentsOf: "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n".utf8)
        bytes.append(contentsOf: body)
        return bytes
    }
}
