/// The parts of a head that requests and responses share: its lines, header fields, the
/// version, `Content-Length` and `Connection`. Each returns nil (or a case) where the request
/// and response parsers throw their own errors.
extension HTTPSyntax {
    /// The version field of a start line.
    enum VersionField {
        /// `HTTP/1.1` or `HTTP/1.0`.
        case supported(HTTPVersion)
        /// Another `HTTP/d.d`.
        case unsupported
        /// Anything else.
        case malformed
    }

    /// The value of the `Content-Length` fields.
    enum ContentLength: Equatable {
        /// No such field.
        case absent
        /// One field, digits only, within the limit.
        case length(Int)
        /// Two fields (even with the same value), or one that is not digits only.
        case malformed
        /// One field, digits only, over the limit.
        case overLimit
    }

    /// The lines of a head without the CRLF CRLF that ends it. The head scanner has already
    /// checked that no CR or LF stands alone, so every line but the last ends with CR.
    static func lines(_ head: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        head.split(separator: lineFeed, omittingEmptySubsequences: false).map {
            $0.last == carriageReturn ? $0.dropLast() : $0
        }
    }

    /// Reads a version field: exactly `HTTP/1.1` or `HTTP/1.0`, another `HTTP/d.d`, or neither.
    static func version(_ bytes: ArraySlice<UInt8>) -> VersionField {
        switch String(decoding: bytes, as: UTF8.self) {
        case "HTTP/1.1": return .supported(.http11)
        case "HTTP/1.0": return .supported(.http10)
        default:
            let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
            let prefix = Array("HTTP/".utf8)
            let base = bytes.startIndex
            let matches =
                bytes.count == 8 && bytes.starts(with: prefix) && isDigit(bytes[base + 5])
                && bytes[base + 6] == UInt8(ascii: ".") && isDigit(bytes[base + 7])
            return matches ? .unsupported : .malformed
        }
    }

    /// One `name: value` line, or nil when it is malformed. The name is a token directly
    /// followed by `:`; the value is trimmed of SP and HTAB and must hold no control character
    /// but HTAB, and be UTF-8. A line starting with whitespace (an obsolete folded
    /// continuation line) is malformed, since a token cannot start with whitespace.
    static func headerField(_ line: ArraySlice<UInt8>) -> HTTPHeader? {
        guard let colon = line.firstIndex(of: HTTPSyntax.colon), isToken(line[..<colon]) else { return nil }
        let value = trimmingWhitespace(line[(colon + 1)...])
        guard !value.contains(where: { isControl($0) && $0 != horizontalTab }), let text = String(validating: value, as: UTF8.self) else {
            return nil
        }
        return HTTPHeader(name: String(decoding: line[..<colon], as: UTF8.self), value: text)
    }

    /// The body's length from the `Content-Length` fields: at most one, digits only, at most
    /// `limit`. Two fields are malformed even when their values agree (RFC 9112 would allow
    /// merging them; a strict parser has no need to).
    static func contentLength(_ headers: HTTPHeaders, limit: Int) -> ContentLength {
        let values = headers.values(name: "Content-Length")
        guard let value = values.first else { return .absent }
        guard values.count == 1, !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return .malformed }
        var length = 0
        for digit in value.utf8 {
            length = length * 10 + Int(digit - 0x30)
            guard length <= limit else { return .overLimit }
        }
        return .length(length)
    }

    /// Whether the connection stays open after this message, from its version and its
    /// `Connection` options: HTTP/1.1 unless `close`; HTTP/1.0 only with `keep-alive` (and no
    /// `close`).
    static func keepAlive(_ headers: HTTPHeaders, version: HTTPVersion) -> Bool {
        let options = headers.values(name: "Connection").flatMap { $0.split(separator: ",") }.map {
            String(decoding: trimmingWhitespace(ArraySlice($0.utf8)), as: UTF8.self)
        }
        let says = { (option: String) in options.contains { equalsIgnoringCase($0, option) } }
        return !says("close") && (version == .http11 || says("keep-alive"))
    }
}
