/// One response, as ``HTTPResponseParser`` returns it: checked and framed.
///
/// ```swift
/// var parser = HTTPResponseParser()
/// parser.append(Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8))
/// let response = try parser.next()!
/// response.status.code                        // 200
/// response.headers.first(name: "content-type")  // "application/json"
/// response.body                               // Array("{}".utf8)
/// response.keepAlive                          // true
/// ```
public struct HTTPClientResponse: Sendable, Hashable {
    /// The protocol version of the status line.
    public let version: HTTPVersion
    /// The status code (its ``HTTPStatus/reasonPhrase`` is the fixed table's, not the server's).
    public let status: HTTPStatus
    /// The reason phrase as received; possibly empty. For display only: RFC 9112 says clients
    /// should ignore it.
    public let reasonPhrase: String
    /// The header fields, in order, names spelt as received.
    public let headers: HTTPHeaders
    /// The body: exactly `Content-Length` bytes, everything up to the end of the connection
    /// without that field, or none for `204 No Content` and `304 Not Modified`.
    public let body: [UInt8]
    /// Whether the connection can carry another request: the body was framed by
    /// `Content-Length` (or there was none), and the response is HTTP/1.1 without
    /// `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`.
    public let keepAlive: Bool

    /// Creates the response from its parsed head and its body.
    init(head: HTTPResponseHead, body: [UInt8]) {
        version = head.version
        status = head.status
        reasonPhrase = head.reasonPhrase
        headers = head.headers
        self.body = body
        keepAlive = head.keepAlive
    }

    /// The response as bytes on the wire: status line, each header field as `name: value`, an
    /// empty line, the body. A parsed response serializes to bytes that parse back to an equal
    /// response (after ``HTTPResponseParser/finish()`` when its body was delimited by the
    /// connection's end, and as long as the added space keeps the head within the limit), which
    /// the fuzzer checks and tests use to build their input.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(reasonPhrase.utf8.count + body.count + 64 * (headers.count + 1))
        bytes.append(contentsOf: "\(version.text) \(status.code) \(reasonPhrase)\r\n".utf8)
        for header in headers {
            bytes.append(contentsOf: "\(header.name): \(header.value)\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        bytes.append(contentsOf: body)
        return bytes
    }
}
