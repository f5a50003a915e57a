/// An origin-form request target (`/path?query`, RFC 9112 section 3.2.1), checked and decoded.
///
/// Refused with ``HTTPError/badRequest``: a target that does not start with `/` (absolute,
/// authority and asterisk forms), a byte outside RFC 3986's `pchar` set (spaces, `#`,
/// non-ASCII, controls, ...), a `%` not followed by two hexadecimal digits, a decoded
/// segment, name or value that is not UTF-8 or holds a control character, and a `.` or `..`
/// segment (the parser does not resolve dot-segments, so it refuses them).
struct HTTPRequestTarget: Sendable, Hashable {
    /// The percent-decoded path, from its leading `/`.
    var path: String
    /// The percent-decoded segments between the slashes: `/` has none, `/a/b` has `a` and `b`,
    /// `/a/` has `a` and an empty one; `%2F` decodes within its segment.
    var pathSegments: [String]
    /// The query's `&`-separated items, in order; empty pieces (`a=1&&b=2`, a trailing `&`)
    /// are skipped.
    var queryItems: [HTTPQueryItem]

    /// Checks and decodes the bytes of a target.
    ///
    /// - Throws: ``HTTPError/badRequest``, for the reasons listed on the type.
    init(parsing bytes: ArraySlice<UInt8>) throws(HTTPError) {
        guard bytes.first == HTTPSyntax.slash else { throw .badRequest }
        let queryStart = bytes.firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = bytes[..<(queryStart ?? bytes.endIndex)]
        guard pathBytes.allSatisfy(HTTPSyntax.isPathByte) else { throw .badRequest }

        path = try Self.decode(pathBytes)
        pathSegments = []
        if pathBytes.count > 1 {
            for raw in pathBytes.dropFirst().split(separator: HTTPSyntax.slash, omittingEmptySubsequences: false) {
                let segment = try Self.decode(raw)
                guard segment != "." && segment != ".." else { throw .badRequest }
                pathSegments.append(segment)
            }
        }

        queryItems = []
        if let queryStart {
            let query = bytes[(queryStart + 1)...]
            guard query.allSatisfy(HTTPSyntax.isQueryByte) else { throw .badRequest }
            for piece in query.split(separator: UInt8(ascii: "&")) {
                let equals = piece.firstIndex(of: UInt8(ascii: "="))
                let name = try Self.decode(piece[..<(equals ?? piece.endIndex)])
                let value = try equals.map { (equals) throws(HTTPError) in try Self.decode(piece[(equals + 1)...]) } ?? ""
                queryItems.append(HTTPQueryItem(name: name, value: value))
            }
        }
    }

    /// Decodes `%HH` escapes, then requires UTF-8 without control characters.
    ///
    /// - Throws: ``HTTPError/badRequest`` for a malformed escape, bytes that are not UTF-8,
    ///   or a control character.
    private static func decode(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == HTTPSyntax.percent {
                guard index + 2 < bytes.endIndex, let high = HTTPSyntax.hexValue(bytes[index + 1]),
                    let low = HTTPSyntax.hexValue(bytes[index + 2])
                else { throw .badRequest }
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(byte)
                index += 1
            }
        }
        guard !decoded.contains(where: HTTPSyntax.isControl), let text = String(validating: decoded, as: UTF8.self) else {
            throw .badRequest
        }
        return text
    }
}
