extension JSON {
    /// Parses JSON text strictly, as RFC 8259 defines it, with the limits of a wire format.
    ///
    /// ```swift
    /// let body = try JSON.parse(request.body)
    /// var fields = try JSONObjectReader(body)
    /// let name = try fields.string("name")
    /// try fields.refuseUnknownFields()
    /// ```
    ///
    /// Accepted: one value of any kind, with whitespace (space, tab, CR, LF) around it and
    /// between tokens; strings with every escape of RFC 8259, a surrogate pair of `\u` escapes
    /// decoding to one scalar; integers from `Int64.min` to `Int64.max` (`-0` is 0).
    ///
    /// - Parameter bytes: UTF-8 text. The caller bounds its size (a request body is at most
    ///   64 KiB); parsing is linear in it, and recursion is bounded by ``maximumDepth``.
    /// - Returns: the value. Strings are exactly the decoded scalars (no normalization).
    /// - Throws: ``JSONError`` with the offset of the first byte that is refused: a byte order
    ///   mark, bytes that are not UTF-8 (overlong forms, encoded surrogates, truncated
    ///   sequences, bytes over U+10FFFF), anything after the value, trailing commas, single
    ///   quotes, comments, a raw control character (U+0000 to U+001F) in a string, an unknown
    ///   escape, a `\u` escape of a lone surrogate, a number with a leading zero, a fraction or
    ///   an exponent, an integer outside `Int64`, nesting deeper than ``maximumDepth``, and an
    ///   object with a repeated key.
    ///
    /// Security: a repeated key is refused, not resolved (first or last wins, depending on the
    /// reader), so one request cannot mean two things to two components. Keys count as
    /// repeated when they are equal as Swift strings, that is canonically equivalent
    /// (`"\u00e9"` and `"e\u0301"`), so no later use as a dictionary key can merge them either.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSON {
        var parser = JSONParser(Array(bytes))
        return try parser.parseText()
    }
}

/// The recursive-descent parser behind ``JSON/parse(_:)``: one pass over the bytes, one
/// function per production of RFC 8259's grammar.
struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// `JSON-text = ws value ws`, and nothing after it.
    mutating func parseText() throws(JSONError) -> JSON {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw JSONError("a byte order mark (JSON text has none)", offset: 0) }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw JSONError("text after the value", offset: index) }
        return value
    }

    // MARK: Values

    /// One value, its first byte at `index`; `depth` counts the arrays and objects around it.
    private mutating func parseValue(depth: Int) throws(JSONError) -> JSON {
        guard let byte = peek() else { throw JSONError("expected a value, found the end of the text", offset: index) }
        switch byte {
        case Byte.openBrace: return try parseObject(depth: depth + 1)
        case Byte.openBracket: return try parseArray(depth: depth + 1)
        case Byte.quote: return .string(try parseString())
        case Byte.minus, Byte.zero...Byte.nine: return .int(try parseInteger())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default: throw JSONError("expected a value", offset: index)
        }
    }

    /// `true`, `false` or `null`, spelt exactly.
    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { bytes[index...].starts(with: $0) }
        guard matches else { throw JSONError("expected a value", offset: index) }
        index += count
    }

    /// `begin-array [ value *( value-separator value ) ] end-array`.
    private mutating func parseArray(depth: Int) throws(JSONError) -> JSON {
        try checkDepth(depth)
        index += 1
        skipWhitespace()
        var items: [JSON] = []
        if peek() == Byte.closeBracket {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case Byte.comma: index += 1
            case Byte.closeBracket:
                index += 1
                return .array(items)
            case nil: throw JSONError("an array not closed before the end of the text", offset: index)
            default: throw JSONError("expected ',' or ']'", offset: index)
            }
        }
    }

    /// `begin-object [ member *( value-separator member ) ] end-object`, with
    /// `member = string name-separator value`; a repeated key is refused.
    private mutating func parseObject(depth: Int) throws(JSONError) -> JSON {
        try checkDepth(depth)
        index += 1
        skipWhitespace()
        var fields: [(String, JSON)] = []
        if peek() == Byte.closeBrace {
            index += 1
            return .object(fields)
        }
        var keys = Set<String>()
        while true {
            skipWhitespace()
            let keyOffset = index
            guard peek() == Byte.quote else {
                throw JSONError(peek() == nil ? "an object not closed before the end of the text" : "expected a string key", offset: index)
            }
            let key = try parseString()
            guard keys.insert(key).inserted else { throw JSONError("a repeated key '\(JSON.displayName(key))'", offset: keyOffset) }
            skipWhitespace()
            guard peek() == Byte.colon else { throw JSONError("expected ':' after a key", offset: index) }
            index += 1
            skipWhitespace()
            fields.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            switch peek() {
            case Byte.comma: index += 1
            case Byte.closeBrace:
                index += 1
                return .object(fields)
            case nil: throw JSONError("an object not closed before the end of the text", offset: index)
            default: throw JSONError("expected ',' or '}'", offset: index)
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(JSONError) {
        guard depth <= JSON.maximumDepth else {
            throw JSONError("arrays and objects nested more than \(JSON.maximumDepth) deep", offset: index)
        }
    }

    // MARK: Numbers

    /// `[ minus ] int`, with `int = zero / ( digit1-9 *DIGIT )`, within `Int64`. A fraction or
    /// an exponent is refused: the API has whole numbers only.
    private mutating func parseInteger() throws(JSONError) -> Int64 {
        let start = index
        let negative = bytes[index] == Byte.minus
        if negative { index += 1 }
        guard let first = peek(), Self.isDigit(first) else { throw JSONError("a '-' without digits", offset: index) }
        if first == Byte.zero, index + 1 < bytes.count, Self.isDigit(bytes[index + 1]) {
            throw JSONError("a number with a leading zero", offset: index)
        }
        var value: Int64 = 0
        while let byte = peek(), Self.isDigit(byte) {
            // Accumulated with the sign, so that Int64.min parses.
            let digit = Int64(byte - Byte.zero)
            let (product, productOverflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = negative ? product.subtractingReportingOverflow(digit) : product.addingReportingOverflow(digit)
            guard !productOverflow && !sumOverflow else { throw JSONError("an integer outside the 64-bit range", offset: start) }
            value = sum
            index += 1
        }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw JSONError("a number with a fraction or an exponent (only integers are accepted)", offset: index)
        }
        return value
    }

    // MARK: Strings

    /// `quotation-mark *char quotation-mark`: unescaped scalars checked as UTF-8, escapes decoded.
    private mutating func parseString() throws(JSONError) -> String {
        index += 1
        var decoded: [UInt8] = []
        var run = index  // the start of the bytes not yet copied to `decoded`
        while true {
            guard let byte = peek() else { throw JSONError("a string not closed before the end of the text", offset: index) }
            switch byte {
            case Byte.quote:
                defer { index += 1 }
                guard !decoded.isEmpty else { return String(decoding: bytes[run..<index], as: UTF8.self) }
                decoded.append(contentsOf: bytes[run..<index])
                return String(decoding: decoded, as: UTF8.self)
            case Byte.backslash:
                decoded.append(contentsOf: bytes[run..<index])
                try parseEscape(into: &decoded)
                run = index
            case 0x00..<0x20: throw JSONError("a control character in a string (it must be escaped)", offset: index)
            case 0x20..<0x80: index += 1
            default: try skipUTF8Sequence()
            }
        }
    }

    /// One escape, its backslash at `index`, appended to `out` as UTF-8.
    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
        let start = index
        index += 1
        guard let byte = peek() else { throw JSONError("a string not closed before the end of the text", offset: index) }
        index += 1
        switch byte {
        case Byte.quote, Byte.backslash, UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var value = try parseHexQuad(escapeStart: start)
            switch value {
            case 0xD800...0xDBFF:
                // A high surrogate: only with a low one in the next escape.
                guard bytes[index...].starts(with: [Byte.backslash, UInt8(ascii: "u")]) else {
                    throw JSONError("a lone surrogate in a \\u escape", offset: start)
                }
                let lowStart = index
                index += 2
                let low = try parseHexQuad(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONError("a lone surrogate in a \\u escape", offset: start) }
                value = 0x1_0000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF: throw JSONError("a lone surrogate in a \\u escape", offset: start)
            default: break
            }
            // Not a surrogate, or a pair's scalar: always a valid scalar.
            UTF8.encode(Unicode.Scalar(value)!) { out.append($0) }
        default: throw JSONError("an unknown escape in a string", offset: start)
        }
    }

    /// The four hexadecimal digits of a `\u` escape, at `index`.
    private mutating func parseHexQuad(escapeStart: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = Self.hexValue(byte) else {
                throw JSONError("a \\u escape without four hexadecimal digits", offset: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Steps over one multi-byte UTF-8 sequence at `index`, refusing what RFC 3629 does not
    /// allow: a stray continuation byte, an overlong form, an encoded surrogate, a scalar over
    /// U+10FFFF, a truncated sequence.
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = bytes[index]
        // The number of continuation bytes, and the range of the first (the others are 80...BF).
        let continuations: Int
        let second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: (continuations, second) = (1, 0x80...0xBF)
        case 0xE0: (continuations, second) = (2, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (continuations, second) = (2, 0x80...0xBF)
        case 0xED: (continuations, second) = (2, 0x80...0x9F)
        case 0xF0: (continuations, second) = (3, 0x90...0xBF)
        case 0xF1...0xF3: (continuations, second) = (3, 0x80...0xBF)
        case 0xF4: (continuations, second) = (3, 0x80...0x8F)
        default: throw JSONError("bytes that are not UTF-8", offset: index)
        }
        for offset in 1...continuations {
            let position = index + offset
            let allowed = offset == 1 ? second : 0x80...0xBF
            guard position < bytes.count, allowed.contains(bytes[position]) else {
                throw JSONError("bytes that are not UTF-8", offset: index)
            }
        }
        index += 1 + continuations
    }

    // MARK: Bytes

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    /// `ws`: space, horizontal tab, line feed, carriage return.
    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            index += 1
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (Byte.zero...Byte.nine).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case Byte.zero...Byte.nine: byte - Byte.zero
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The structural bytes of RFC 8259.
private enum Byte {
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let minus = UInt8(ascii: "-")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
}
