/// The status line and header fields of one response, checked, before its body is read.
///
/// The parser has already found the end of the head, checked its size and checked that every
/// line ends with CRLF; this type checks everything else and decides the framing.
struct HTTPResponseHead: Sendable {
    /// How the body that follows the head ends.
    enum Framing: Equatable {
        /// After exactly this many bytes (`Content-Length`, or 0 for 204 and 304).
        case length(Int)
        /// At the end of the connection (no `Content-Length`).
        case untilClose
    }

    /// The version of the status line.
    var version: HTTPVersion
    /// The status code.
    var status: HTTPStatus
    /// The reason phrase as received.
    var reasonPhrase: String
    /// The header fields, in order.
    var headers: HTTPHeaders
    /// How the body ends.
    var framing: Framing
    /// Whether the connection can carry another request (see ``HTTPClientResponse/keepAlive``).
    var keepAlive: Bool

    /// Parses the head: the bytes before the empty line that ends it, lines separated by CRLF.
    ///
    /// - Throws: ``HTTPResponseError/malformed`` for a malformed status line or header field,
    ///   a malformed or repeated `Content-Length`, or a 204 with a length other than 0;
    ///   ``HTTPResponseError/unsupportedVersion``; ``HTTPResponseError/informationalResponse``
    ///   for 1xx; ``HTTPResponseError/transferEncoding``; ``HTTPResponseError/bodyTooLarge``
    ///   for a `Content-Length` over `maximumBodyLength`.
    init(parsing head: ArraySlice<UInt8>, maximumBodyLength: Int) throws(HTTPResponseError) {
        var lines = HTTPSyntax.lines(head)
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        let parts = lines.removeFirst().split(separator: HTTPSyntax.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed }
        switch HTTPSyntax.version(parts[0]) {
        case .supported(let version): self.version = version
        case .unsupported: throw .unsupportedVersion
        case .malformed: throw .malformed
        }
        status = try Self.status(parts[1])
        reasonPhrase = try Self.reasonPhrase(parts[2])
        guard status.code >= 200 else { throw .informationalResponse }

        headers = HTTPHeaders()
        for line in lines {
            guard let field = HTTPSyntax.headerField(line) else { throw .malformed }
            headers.add(name: field.name, value: field.value)
        }

        guard !headers.contains(name: "Transfer-Encoding") else { throw .transferEncoding }
        let contentLength = HTTPSyntax.contentLength(headers, limit: maximumBodyLength)
        switch (contentLength, status.code) {
        case (.malformed, _): throw .malformed
        // 304's Content-Length is the size of the representation it did not send.
        case (_, 304): framing = .length(0)
        case (.absent, 204), (.length(0), 204): framing = .length(0)
        case (_, 204): throw .malformed
        case (.overLimit, _): throw .bodyTooLarge
        case (.length(let length), _): framing = .length(length)
        case (.absent, _): framing = .untilClose
        }
        keepAlive = framing != .untilClose && HTTPSyntax.keepAlive(headers, version: version)
    }

    /// The status code: exactly three digits, the first not 0.
    private static func status(_ bytes: ArraySlice<UInt8>) throws(HTTPResponseError) -> HTTPStatus {
        guard bytes.count == 3, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            bytes.first != UInt8(ascii: "0")
        else { throw .malformed }
        return HTTPStatus(code: bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
    }

    /// The reason phrase: HTAB, SP and visible characters, as UTF-8 (RFC 9112 also allows
    /// other bytes over 0x7F, which a strict client refuses).
    private static func reasonPhrase(_ bytes: ArraySlice<UInt8>) throws(HTTPResponseError) -> String {
        guard !bytes.contains(where: { HTTPSyntax.isControl($0) && $0 != HTTPSyntax.horizontalTab }),
            let text = String(validating: bytes, as: UTF8.self)
        else { throw .malformed }
        return text
    }
}
