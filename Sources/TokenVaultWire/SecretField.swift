package import TokenVault
package import TokenVaultJSON

/// The one field of a service's answer that holds a secret (`secret` of a fetch, `token` of a
/// new access token), read straight from the answer's bytes into a ``Secret``: its JSON string
/// escapes (or its base64, as `secret_base64`) are decoded into wiped memory, never through a
/// `String` or an `Array` that nobody wipes. The rest of the answer is parsed as usual.
///
/// ```swift
/// let (secret, rest) = try SecretField.split(response.body, key: "secret")
/// let version = rest["version"]?.int64Value
/// ```
///
/// The service writes keys without escapes (``WireFormat``), so a key with a backslash is
/// refused rather than decoded: it cannot hide a second `secret` field from this scan.
package enum SecretField {
    /// The secret of the top-level field `key` (or `key_base64`) of the JSON object `body`, and
    /// the object with that field's value replaced by `null`.
    ///
    /// - Returns: a nil secret when the field is `null` (a principal without a token).
    /// - Throws: ``VaultError/Kind/failed`` ("the service's answer is malformed") for a body
    ///   that is not such an object, a missing or repeated field, an escaped key, or a value
    ///   that is not a well-formed JSON string (or base64 for `key_base64`).
    package static func split(_ body: [UInt8], key: String) throws(VaultError) -> (secret: Secret?, rest: JSON) {
        let malformed = WireDecoding.malformed
        guard let found = locate(key, in: body) else { throw malformed }
        let secret: Secret?
        if let content = found.content {
            guard let decoded = body.withUnsafeBytes({ bytes in decode(UnsafeRawBufferPointer(rebasing: bytes[content]), base64: found.base64) })
            else { throw malformed }
            secret = decoded
        } else {
            secret = nil
        }
        var rest = Array(body[..<found.value.lowerBound])
        rest += Array("null".utf8)
        rest += body[found.value.upperBound...]
        do {
            return (secret, try JSON.parse(rest))
        } catch {
            throw malformed
        }
    }

    /// Where a field's value is: the whole value, and for a string the bytes between its quotes.
    struct Location {
        var value: Range<Int>
        var content: Range<Int>?
        var base64: Bool
    }

    /// Scans the top-level object for `key` and `key_base64`, skipping every other value. Nil
    /// when the text is not an object of that shape, when neither field or both are there, or
    /// when a key holds an escape.
    static func locate(_ key: String, in bytes: [UInt8]) -> Location? {
        let plain = Array(key.utf8)
        let encoded = Array((key + "_base64").utf8)
        var index = skipWhitespace(bytes, from: 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var found: Location?
        var first = true
        while true {
            index = skipWhitespace(bytes, from: index)
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}") && first { break }
            guard bytes[index] == UInt8(ascii: "\""), let keyEnd = stringEnd(bytes, from: index) else { return nil }
            let name = bytes[(index + 1)..<(keyEnd - 1)]
            guard !name.contains(UInt8(ascii: "\\")) else { return nil }
            index = skipWhitespace(bytes, from: keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index = skipWhitespace(bytes, from: index + 1)
            guard let valueEnd = valueEnd(bytes, from: index) else { return nil }
            let isPlain = name.elementsEqual(plain)
            if isPlain || name.elementsEqual(encoded) {
                guard found == nil else { return nil }
                let isString = bytes[index] == UInt8(ascii: "\"")
                guard isString || bytes[index..<valueEnd].elementsEqual("null".utf8) else { return nil }
                found = Location(value: index..<valueEnd, content: isString ? (index + 1)..<(valueEnd - 1) : nil, base64: !isPlain)
            }
            index = skipWhitespace(bytes, from: valueEnd)
            first = false
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { break }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return found
    }

    /// The secret in a string's escaped content, or in its base64; nil when malformed.
    static func decode(_ content: UnsafeRawBufferPointer, base64: Bool) -> Secret? {
        var valid = true
        let secret = Secret(capacity: content.count) { buffer in
            let used = base64 ? Base64.decode(content, into: buffer) : unescape(content, into: buffer)
            guard let used, base64 || isUTF8(UnsafeRawBufferPointer(rebasing: buffer[0..<used])) else {
                valid = false
                return 0
            }
            return used
        }
        return valid ? secret : nil
    }

    /// Decodes the escapes of a JSON string's content into `out` (which is at least as long:
    /// no escape is shorter than what it stands for). Nil for a raw control character, an
    /// unknown escape or a lone surrogate.
    static func unescape(_ content: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var read = 0
        var written = 0
        func put(_ byte: UInt8) {
            out[written] = byte
            written += 1
        }
        func hexQuad(at offset: Int) -> UInt32? {
            guard offset + 4 <= content.count else { return nil }
            var value: UInt32 = 0
            for byte in content[offset..<(offset + 4)] {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while read < content.count {
            let byte = content[read]
            guard byte == UInt8(ascii: "\\") else {
                guard byte >= 0x20, byte != UInt8(ascii: "\"") else { return nil }
                put(byte)
                read += 1
                continue
            }
            guard read + 1 < content.count else { return nil }
            let escape = content[read + 1]
            read += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): put(escape)
            case UInt8(ascii: "b"): put(0x08)
            case UInt8(ascii: "f"): put(0x0C)
            case UInt8(ascii: "n"): put(0x0A)
            case UInt8(ascii: "r"): put(0x0D)
            case UInt8(ascii: "t"): put(0x09)
            case UInt8(ascii: "u"):
                guard var value = hexQuad(at: read) else { return nil }
                read += 4
                if (0xD800...0xDBFF).contains(value) {
                    guard read + 6 <= content.count, content[read] == UInt8(ascii: "\\"), content[read + 1] == UInt8(ascii: "u"),
                        let low = hexQuad(at: read + 2), (0xDC00...0xDFFF).contains(low)
                    else { return nil }
                    read += 6
                    value = 0x1_0000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(value) else { return nil }
                UTF8.encode(scalar) { put($0) }
            default: return nil
            }
        }
        return written
    }

    /// Whether `bytes` are well-formed UTF-8 (no overlong form, no encoded surrogate).
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func skipWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// The index after the string whose opening quote is at `start`, or nil when it is not closed.
    private static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    /// The index after the value that starts at `start` (checked only as far as finding its
    /// end: the JSON parser checks the rest of the answer).
    private static func valueEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return stringEnd(bytes, from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = stringEnd(bytes, from: index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return nil
        default:
            var index = start
            while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                index += 1
            }
            return index > start ? index : nil
        }
    }
}
