internal import TokenVaultCrypto

/// The format of tokens minted by a vault, recognisable by scanners like GitHub's `ghp_`.
///
/// `tvk_` + 43 base62 characters (256 random bits) + 6 base62 characters of CRC-32 over
/// the prefix and payload. The checksum lets `scan` (and any secret scanner) tell a real
/// token from a look-alike without the vault, and lets `verify` refuse a mistyped token
/// before any lookup.
///
/// ```
/// tvk_4QqXc0bZ6w8J2S1mKpE7vTnR9yLhG3fD5aU0oWiB2Xe1Kc9Lm
/// ```
///
/// The service's access tokens have the same shape with their own prefix, `tva_`
/// (``accessPrefix``), so that neither kind can be mistaken for the other.
public enum IssuedTokenFormat {
    public static let prefix = "tvk_"
    /// The prefix of a principal's access token for the service.
    public static let accessPrefix = "tva_"
    static let payloadLength = 43
    static let checksumLength = 6
    /// The full length of a token.
    public static let length = prefix.utf8.count + payloadLength + checksumLength

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Mints a new token: 256 random bits, base62-encoded, with its checksum.
    static func mint(prefix: String = prefix) throws(VaultError) -> Secret {
        let random: SecureBytes
        do { random = try SecureBytes.random(count: 32) } catch { throw .failed("the random generator failed") }
        let bytes = SecureBytes(capacity: length) { out in
            var index = 0
            for byte in prefix.utf8 {
                out[index] = byte
                index += 1
            }
            random.withUnsafeBytes { raw in
                var digits = base62(raw, width: payloadLength)
                for digit in digits {
                    out[index] = digit
                    index += 1
                }
                Wipe.array(&digits)
            }
            let checksum = crc32(UnsafeRawBufferPointer(rebasing: out[0..<index]))
            for digit in base62Number(UInt64(checksum), width: checksumLength) {
                out[index] = digit
                index += 1
            }
            return index
        }
        return Secret(bytes)
    }

    /// Whether `candidate` has the shape and a valid checksum of a minted token.
    public static func isWellFormed(_ candidate: UnsafeRawBufferPointer) -> Bool {
        isWellFormed(candidate, prefix: prefix)
    }

    /// Whether `candidate` has the shape and a valid checksum of a token with `prefix`.
    public static func isWellFormed(_ candidate: UnsafeRawBufferPointer, prefix: String) -> Bool {
        guard candidate.count == length, candidate.starts(with: prefix.utf8) else { return false }
        let body = UnsafeRawBufferPointer(rebasing: candidate[0..<(length - checksumLength)])
        guard body.dropFirst(prefix.utf8.count).allSatisfy(isBase62) else { return false }
        let expected = base62Number(UInt64(crc32(body)), width: checksumLength)
        return candidate.suffix(checksumLength).elementsEqual(expected)
    }

    static func isBase62(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    /// Big-endian base62 of a 256-bit number, left-padded with '0' to `width` digits.
    private static func base62(_ bytes: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        var number = Array(bytes)
        var digits: [UInt8] = []
        while digits.count < width {
            var remainder = 0
            for index in number.indices {
                let value = remainder << 8 | Int(number[index])
                number[index] = UInt8(value / 62)
                remainder = value % 62
            }
            digits.append(alphabet[remainder])
        }
        Wipe.array(&number)
        digits.reverse()
        return digits
    }

    private static func base62Number(_ value: UInt64, width: Int) -> [UInt8] {
        var value = value
        var digits: [UInt8] = []
        while digits.count < width {
            digits.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return digits.reversed()
    }

    /// CRC-32 (IEEE 802.3, as zlib and GitHub's token checksums).
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
