internal import COpenSSL

/// An HMAC-SHA256 key set up once and shared by every thread: each message is authenticated in
/// a copy of the keyed template context, so the key schedule is not computed again per message.
///
/// For the hot paths that MAC one short message at a time under a long-lived key: the audit
/// event appended by every fetch, the fingerprint of every presented token.
///
/// ```swift
/// let auditMAC = try KeyedHMAC(key: auditKey)
/// let mac = hash.withUnsafeBytes { auditMAC.authenticate($0) }   // == HMAC.authenticate(hash, using: auditKey)
/// ```
///
/// Security: the template holds the key's inner and outer padded digests; it is freed, and
/// cleansed by OpenSSL, with this object. Copies made per message are freed at once.
///
/// See <https://www.openssl.org/docs/man3.0/man3/EVP_MAC_CTX_dup.html>.
public final class KeyedHMAC: @unchecked Sendable {
    // @unchecked Sendable: `template` is written only by `init`; afterwards it is only read,
    // by EVP_MAC_CTX_dup, which copies it without changing it. Every update and final happens
    // on a private copy.
    private let template: OpaquePointer

    /// Keys a template context with `key`.
    ///
    /// - Throws: ``CryptoError/libraryFailure`` when OpenSSL cannot set up HMAC-SHA256.
    public init(key: SymmetricKey) throws(CryptoError) {
        guard let context = key.withUnsafeBytes(HMAC.keyedContext) else { throw .libraryFailure }
        template = context
    }

    deinit { EVP_MAC_CTX_free(template) }

    /// HMAC-SHA256 of `message` under this key; the same bytes as ``HMAC/authenticate(_:using:)-(UnsafeRawBufferPointer,_)``.
    public func authenticate(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        guard let context = EVP_MAC_CTX_dup(template) else { preconditionFailure("EVP_MAC_CTX_dup failed (out of memory)") }
        defer { EVP_MAC_CTX_free(context) }
        var mac = [UInt8](repeating: 0, count: HMAC.byteCount)
        var length = 0
        let ok = mac.withUnsafeMutableBytes { out in
            EVP_MAC_update(context, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
                && EVP_MAC_final(context, out.bytes, &length, HMAC.byteCount) == 1
        }
        precondition(ok && length == HMAC.byteCount, "HMAC-SHA256 failed")
        return mac
    }

    /// HMAC-SHA256 of `message` under this key.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticate($0) }
    }

    /// Whether `code` is the HMAC-SHA256 of `message` under this key, compared in constant time
    /// (`CRYPTO_memcmp`): the one way callers check a MAC, as swift-crypto's
    /// `HMAC.isValidAuthenticationCode`.
    ///
    /// ```swift
    /// guard stateMAC.isValidAuthenticationCode(storedMAC, authenticating: encoding) else { throw … }
    /// ```
    public func isValidAuthenticationCode(_ code: [UInt8], authenticating message: [UInt8]) -> Bool {
        let expected = authenticate(message)
        return code.withUnsafeBytes { code in expected.withUnsafeBytes { ConstantTime.equals(code, $0) } }
    }

    /// HMAC-SHA256 of a secret held in wiped memory.
    public func authenticate(_ message: SecureBytes) -> [UInt8] {
        message.withUnsafeBytes { authenticate($0) }
    }
}
