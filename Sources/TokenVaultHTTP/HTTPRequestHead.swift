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
        // No bare CR or LF is left: every line but the last ends with CR.
        var lines = head.split(separator: HTTPSyntax.lineFeed, omittingEmptySubsequences: false).map {
            $0.last == HTTPSyntax.carriageReturn ? $0.dropLast() : $0
        }
        let requestLine = lines.removeFirst()
        let parts = requestLine.split(separator: HTTPSyntax.space, omittingEmptySubsequences: false)
        guard parts.count == 3, HTTPSyntax.isToken(parts[0]) else { throw .badRequest }
        method = String(decoding: parts[0], as: UTF8.self)
        version = try Self.version(parts[2])
        decodedTarget = try HTTPRequestTarget(parsing: parts[1])
        target = String(decoding: parts[1], as: UTF8.self)

        headers = HTTPHeaders()
        for line in lines {
            let field = try Self.field(line)
            headers.add(name: field.name, value: field.value)
        }

        let hosts = headers.values(name: "Host").count
        guard hosts <= 1, hosts == 1 || version == .http10 else { throw .badRequest }
        guard !headers.contains(name: "Transfer-Encoding") else { throw .lengthRequired }
        contentLength = try Self.contentLength(headers.values(name: "Content-Length"), method: method)

        let options = headers.values(name: "Connection").flatMap { $0.split(separator: ",") }.map {
            String(decoding: HTTPSyntax.trimmingWhitespace(ArraySlice($0.utf8)), as: UTF8.self)
        }
        let says = { (option: String) in options.contains { HTTPSyntax.equalsIgnoringCase($0, option) } }
        keepAlive = !says("close") && (version == .http11 || says("keep-alive"))
    }

    /// The version field: exactly `HTTP/1.1` or `HTTP/1.0`.
    ///
    /// - Throws: ``HTTPError/httpVersionNotSupported`` for another `HTTP/d.d`,
    ///   ``HTTPError/badRequest`` for anything else.
    private static func version(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> HTTPVersion {
        switch String(decoding: bytes, as: UTF8.self) {
        case "HTTP/1.1": return .http11
        case "HTTP/1.0": return .http10
        default:
            let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
            let prefix = Array("HTTP/".utf8)
            let base = bytes.startIndex
            let matches =
                bytes.count == 8 && bytes.starts(with: prefix) && isDigit(bytes[base + 5])
                && bytes[base + 6] == UInt8(ascii: ".") && isDigit(bytes[base + 7])
            throw matches ? .httpVersionNotSupported : .badRequest
        }
    }

    /// One `name: value` line. The name is a token directly followed by `:`; the value is
    /// trimmed of SP and HTAB and must hold no control character but HTAB, and be UTF-8.
    ///
    /// - Throws: ``HTTPError/badRequest``, also for a line starting with whitespace (an
    ///   obsolete folded continuation line).
    private static func field(_ line: ArraySlice<UInt8>) throws(HTTPError) -> HTTPHeader {
        guard let colon = line.firstIndex(of: HTTPSyntax.colon), HTTPSyntax.isToken(line[..<colon]) else {
            throw .badRequest
        }
        let value = HTTPSyntax.trimmingWhitespace(line[(colon + 1)...])
        guard !value.contains(where: { HTTPSyntax.isControl($0) && $0 != HTTPSyntax.horizontalTab }),
            let text = String(validating: value, as: UTF8.self)
        else { throw .badRequest }
        return HTTPHeader(name: String(decoding: line[..<colon], as: UTF8.self), value: text)
    }

    /// The body's length from the `Content-Length` fields: at most one, digits only.
    ///
    /// Two fields are refused even when their values agree (RFC 9112 would allow merging
    /// them; a strict parser has no need to).
    ///
    /// - Throws: ``HTTPError/badRequest`` for two fields or a value that is not digits only;
    ///   ``HTTPError/contentTooLarge`` over ``HTTPRequestParser/maximumBodyLength``;
    ///   ``HTTPError/lengthRequired`` for a `POST` or `PUT` without the field.
    private static func contentLength(_ values: [String], method: String) throws(HTTPError) -> Int {
        guard let value = values.first else {
            guard method != "POST" && method != "PUT" else { throw .lengthRequired }
            return 0
        }
        guard values.count == 1, !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .badRequest
        }
        var length = 0
        for digit in value.utf8 {
            length = length * 10 + Int(digit - 0x30)
            guard length <= HTTPRequestParser.maximumBodyLength else { throw .contentTooLarge }
        }
        return length
    }
}
