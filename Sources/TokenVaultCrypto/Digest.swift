internal import COpenSSL

/// SHA-256 through OpenSSL's EVP digest interface.
///
/// See <https://www.openssl.org/docs/man3.0/man3/EVP_DigestInit.html>.
public enum SHA256 {
    public static let byteCount = 32

    /// The SHA-256 of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { hash($0) }
    }

    /// The SHA-256 of the bytes in `data`.
    public static func hash(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBytes { out in
            EVP_Digest(data.baseAddress, data.count, out.bytes, &length, FetchedAlgorithms.shared.sha256, nil)
        }
        // EVP_Digest with a fetched SHA-256 fails only on allocation failure.
        precondition(ok == 1 && length == UInt32(byteCount), "EVP_Digest(SHA-256) failed")
        return digest
    }

    /// The lowercase hex SHA-256 of `data`.
    public static func hexHash(_ data: [UInt8]) -> String {
        Hex.encode(hash(data))
    }
}

/// HMAC-SHA256 through OpenSSL 3's `EVP_MAC` interface.
///
/// Used for the audit chain's MACs, keyed fingerprints of stored secrets and keyed hashes
/// of issued tokens. See <https://www.openssl.org/docs/man3.0/man7/EVP_MAC-HMAC.html>.
public enum HMAC {
    public static let byteCount = 32

    /// HMAC-SHA256(key, data).
    public static func authenticate(_ data: [UInt8], using key: SymmetricKey) -> [UInt8] {
        data.withUnsafeBytes { authenticate($0, using: key) }
    }

    /// HMAC-SHA256(key, data) for a secret held in wiped memory.
    public static func authenticate(_ data: SecureBytes, using key: SymmetricKey) -> [UInt8] {
        data.withUnsafeBytes { authenticate($0, using: key) }
    }

    /// HMAC-SHA256 with a key of any length (for RFC 4231 vectors and derived labels).
    public static func authenticate(_ data: UnsafeRawBufferPointer, using key: SymmetricKey) -> [UInt8] {
        key.withUnsafeBytes { keyBytes in authenticate(data, rawKey: keyBytes) }
    }

    static func authenticate(_ data: UnsafeRawBufferPointer, rawKey: UnsafeRawBufferPointer) -> [UInt8] {
        guard let context = keyedContext(rawKey) else { preconditionFailure("HMAC-SHA256 set-up failed (out of memory)") }
        defer { EVP_MAC_CTX_free(context) }
        var mac = [UInt8](repeating: 0, count: byteCount)
        var length = 0
        let ok = mac.withUnsafeMutableBytes { out in
            EVP_MAC_update(context, data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count) == 1
                && EVP_MAC_final(context, out.bytes, &length, byteCount) == 1
        }
        precondition(ok && length == byteCount, "HMAC-SHA256 failed")
        return mac
    }

    /// A new HMAC-SHA256 context keyed with `key`, ready for update and final; nil (with
    /// OpenSSL's error queue cleared) when OpenSSL cannot set it up. The caller frees it with
    /// `EVP_MAC_CTX_free`, which also cleanses the key schedule. Every HMAC in this module
    /// starts here: one-shot ``authenticate(_:using:)-(UnsafeRawBufferPointer,_)``,
    /// ``HMACContext`` and ``KeyedHMAC``.
    static func keyedContext(_ key: UnsafeRawBufferPointer) -> OpaquePointer? {
        guard let context = EVP_MAC_CTX_new(FetchedAlgorithms.shared.hmac) else { return nil }
        // OSSL_PARAM holds raw pointers: build it inside the scopes that own the strings.
        let ok: Bool = OSSL_MAC_PARAM_DIGEST.withCString { name in
            "SHA256".withCString { digest in
                var params = [
                    OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: digest), 0),
                    OSSL_PARAM_construct_end(),
                ]
                return EVP_MAC_init(context, key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count, &params) == 1
            }
        }
        guard ok else {
            EVP_MAC_CTX_free(context)
            ERR_clear_error()
            return nil
        }
        return context
    }
}

/// Lowercase hexadecimal encoding, for checksums and ids (never for secrets in output).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case); nil for odd length or a non-hex character.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for character in text {
            guard let nibble = value(of: character) else { return nil }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }

    /// The value of one hex digit, or nil.
    public static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
