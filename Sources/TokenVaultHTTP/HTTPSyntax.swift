/// The byte classes of RFC 9110 (tokens, field values) and RFC 3986 (origin-form targets)
/// the parser checks its input against, and the ASCII helpers built on them.
enum HTTPSyntax {
    /// CR, the first byte of a line's end.
    static let carriageReturn = UInt8(ascii: "\r")
    /// LF, the last byte of a line's end.
    static let lineFeed = UInt8(ascii: "\n")
    /// SP, the separator of the request line's three parts.
    static let space = UInt8(ascii: " ")
    /// HTAB, whitespace in field values.
    static let horizontalTab = UInt8(ascii: "\t")
    /// The separator of a field's name and value.
    static let colon = UInt8(ascii: ":")
    /// The separator of path segments.
    static let slash = UInt8(ascii: "/")
    /// The start of a percent-encoding.
    static let percent = UInt8(ascii: "%")

    /// Whether `byte` is a `tchar` (RFC 9110 section 5.6.2): a letter, a digit or one of
    /// ``!#$%&'*+-.^_`|~``.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    /// Whether `bytes` is a `token`: one or more ``isTokenByte(_:)`` bytes.
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenByte)
    }

    /// Whether `byte` may appear in the path of an origin-form target: `pchar` (RFC 3986
    /// section 3.3: unreserved, sub-delims, `:`, `@`, and `%` of a percent-encoding) or `/`.
    static func isPathByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "-._~!$&'()*+,;=:@/%".utf8.contains(byte)
    }

    /// Whether `byte` may appear in the query of an origin-form target: a path byte or `?`.
    static func isQueryByte(_ byte: UInt8) -> Bool {
        isPathByte(byte) || byte == UInt8(ascii: "?")
    }

    /// Whether `byte` is a control character (0x00 to 0x1F, and 0x7F).
    static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }

    /// The value of a hexadecimal digit (either case), or nil.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `bytes` without leading and trailing SP and HTAB (optional whitespace, `OWS`).
    static func trimmingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isWhitespace = { (byte: UInt8) in byte == space || byte == horizontalTab }
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }) else { return [] }
        let last = bytes.lastIndex(where: { !isWhitespace($0) })!
        return bytes[first...last]
    }

    /// Whether two strings are equal ignoring the case of ASCII letters (header names,
    /// `Connection` options).
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && zip(lhs.utf8, rhs.utf8).allSatisfy { lowercased($0) == lowercased($1) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: false
        }
    }
}
