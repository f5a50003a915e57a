/// One request, as ``HTTPRequestParser`` returns it: checked, framed and decoded.
///
/// ```swift
/// var parser = HTTPRequestParser()
/// parser.append(Array("GET /v1/credentials?limit=10 HTTP/1.1\r\nHost: vault\r\n\r\n".utf8))
/// let request = try parser.next()!
/// request.pathSegments  // ["v1", "credentials"]
/// request.queryItems    // [HTTPQueryItem(name: "limit", value: "10")]
/// request.keepAlive     // true
/// ```
public struct HTTPRequest: Sendable, Hashable {
    /// The method token as received, e.g. `GET`. Any token parses; which methods a resource
    /// accepts (405) is the router's decision.
    public let method: String
    /// The request target as received, still percent-encoded: `/path` or `/path?query`.
    public let target: String
    /// The percent-decoded path of ``target``, from its leading `/`. For display: route on
    /// ``pathSegments``, where an encoded `/` (`%2F`) stays inside its segment.
    public let path: String
    /// The percent-decoded path segments: `/` has none, `/a/b` has `a` and `b`.
    public let pathSegments: [String]
    /// The percent-decoded query items, in order.
    public let queryItems: [HTTPQueryItem]
    /// The protocol version of the request line.
    public let version: HTTPVersion
    /// The header fields, in order, names spelt as received.
    public let headers: HTTPHeaders
    /// The body: exactly `Content-Length` bytes, or none without that field.
    public let body: [UInt8]
    /// Whether the connection stays open after the response: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and no `close`).
    public let keepAlive: Bool

    /// Creates the request from its parsed head and its body.
    init(head: HTTPRequestHead, body: [UInt8]) {
        method = head.method
        target = head.target
        path = head.decodedTarget.path
        pathSegments = head.decodedTarget.pathSegments
        queryItems = head.decodedTarget.queryItems
        version = head.version
        headers = head.headers
        self.body = body
        keepAlive = head.keepAlive
    }

    /// The first value of the query item called `name` (exact case), or nil.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// The request as bytes on the wire: request line, each header field as `name: value`,
    /// an empty line, the body. A parsed request serializes to bytes that parse back to an
    /// equal request (as long as the added space keeps the head within the limit), which
    /// the fuzzer checks and tests use to build their input.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(target.utf8.count + body.count + 64 * (headers.count + 1))
        bytes.append(contentsOf: "\(method) \(target) \(version.text)\r\n".utf8)
        for header in headers {
            bytes.append(contentsOf: "\(header.name): \(header.value)\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        bytes.append(contentsOf: body)
        return bytes
    }
}
