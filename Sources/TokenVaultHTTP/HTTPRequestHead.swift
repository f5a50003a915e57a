/// The request line and header fields of one request, checked, before its body is read.
///
/// The parser has already found the end of the head, checked its size and checked that every
/// line ends with CRLF; this type checks everything else and decides the framing (the body's
/// length) and whether the connection stays open.
struct HTTPRequestHead: Sendable {
    /// The method token.
    var method: String
    /// The target as received.
    var target: String
    /// The target's decoded path, segments and query.
    var decodedTarget: HTTPRequestTarget
    /// The version of the request line.
    var version: HTTPVersion
    /// The header fields, in order.
    var headers: HTTPHeaders
    /// The length of the body that follows the head: `Content-Length`, or 0 without it.
    var contentLength: Int
    /// Whether the connection stays open after the response (see ``HTTPRequest/keepAlive``).
    var keepAlive: Bool

    /// Parses the head: the bytes before the empty line that ends it, lines separated by CRLF.
    ///
    /// - Throws: ``HTTPError/badRequest`` for a malformed request line or header field, a
    ///   missing or repeated `Host` (HTTP/1.1), or a malformed or repeated `Content-Length`;
    ///   ``HTTPError/httpVersionNotSupported`` for a version other than 1.0 and 1.1;
    ///   ``HTTPError/lengthRequired`` for `Transfer-Encoding`, or a `POST` or `PUT` without
    ///   `Content-Length`; ``HTTPError/contentTooLarge`` for a `Content-Length` over the limit.
    init(parsing head: ArraySlice<UInt8>) throws(HTTPError) {
        var lines = HTTPSyntax.lines(head)
        let requestLine = lines.removeFirst()
        let parts = requestLine.split(separator: HTTPSyntax.space, omittingEmptySubsequences: false)
        guard parts.count == 3, HTTPSyntax.isToken(parts[0]) else { throw .badRequest }
        method = String(decoding: parts[0], as: UTF8.self)
        switch HTTPSyntax.version(parts[2]) {
        case .supported(let version): self.version = version
        case .unsupported: throw .httpVersionNotSupported
        case .malformed: throw .badRequest
        }
        decodedTarget = try HTTPRequestTarget(parsing: parts[1])
        target = String(decoding: parts[1], as: UTF8.self)

        headers = HTTPHeaders()
        for line in lines {
            guard let field = HTTPSyntax.headerField(line) else { throw .badRequest }
            headers.add(name: field.name, value: field.value)
        }

        let hosts = headers.values(name: "Host").count
        guard hosts <= 1, hosts == 1 || version == .http10 else { throw .badRequest }
        guard !headers.contains(name: "Transfer-Encoding") else { throw .lengthRequired }
        switch HTTPSyntax.contentLength(headers, limit: HTTPRequestParser.maximumBodyLength) {
        case .absent:
            guard method != "POST" && method != "PUT" else { throw .lengthRequired }
            contentLength = 0
        case .length(let length): contentLength = length
        case .malformed: throw .badRequest
        case .overLimit: throw .contentTooLarge
        }
        keepAlive = HTTPSyntax.keepAlive(headers, version: version)
    }
}
