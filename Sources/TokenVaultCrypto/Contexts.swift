internal import COpenSSL

/// An HMAC-SHA256 context keyed once and reused for many messages: the per-message cost drops
/// from a context set-up (parameters, key schedule) to update and final. For loops such as the
/// audit-chain walk; one context serves one thread at a time.
///
/// ```swift
/// let mac = try HMACContext(key: auditKey)
/// for hash in hashes { check(mac.authenticate(hash)) }
/// ```
///
/// See <https://www.openssl.org/docs/man3.0/man3/EVP_MAC_init.html> (a NULL key reuses the last one).
public final class HMACContext {
    private let context: OpaquePointer

    public init(key: SymmetricKey) throws(CryptoError) {
        guard let context = key.withUnsafeBytes(HMAC.keyedContext) else { throw .libraryFailure }
        self.context = context
    }

    deinit { EVP_MAC_CTX_free(context) }  // frees (and cleanses) the key schedule

    /// HMAC-SHA256 of `message` under the context's key.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: HMAC.byteCount)
        message.withUnsafeBytes { input in mac.withUnsafeMutableBytes { out in authenticate(input, into: out) } }
        return mac
    }

    /// HMAC-SHA256 of `message` under the context's key, written to `mac` (32 bytes), without
    /// allocating: for loops over millions of messages.
    public func authenticate(_ message: UnsafeRawBufferPointer, into mac: UnsafeMutableRawBufferPointer) {
        precondition(mac.count == HMAC.byteCount, "an HMAC-SHA256 output buffer holds 32 bytes")
        var length = 0
        let ok =
            EVP_MAC_init(context, nil, 0, nil) == 1
            && EVP_MAC_update(context, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
            && EVP_MAC_final(context, mac.bytes, &length, HMAC.byteCount) == 1
        precondition(ok && length == HMAC.byteCount, "HMAC-SHA256 failed")
    }

    /// Whether `code` is the HMAC-SHA256 of `message` under the context's key, compared in
    /// constant time (`CRYPTO_memcmp`).
    public func isValidAuthenticationCode(_ code: [UInt8], authenticating message: [UInt8]) -> Bool {
        let expected = authenticate(message)
        return code.withUnsafeBytes { code in expected.withUnsafeBytes { ConstantTime.equals(code, $0) } }
    }
}

@available(*, unavailable, message: "An HMACContext is reused by one thread at a time")
extension HMACContext: Sendable {}

/// A reusable SHA-256 context for hashing many messages made of parts, without concatenating them.
public final class SHA256Context {
    private let context: OpaquePointer

    public init() throws(CryptoError) {
        guard let context = EVP_MD_CTX_new() else { throw .libraryFailure }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// SHA-256 of `first ‖ second`.
    public func hash(_ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
        first.withUnsafeBytes { a in
            second.withUnsafeBytes { b in digest.withUnsafeMutableBytes { out in hash(a, b, into: out) } }
        }
        return digest
    }

    /// SHA-256 of `first ‖ second`, written to `digest` (32 bytes), without allocating: for loops
    /// over millions of messages.
    public func hash(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count == SHA256.byteCount, "a SHA-256 output buffer holds 32 bytes")
        var length: UInt32 = 0
        let ok =
            EVP_DigestInit_ex2(context, FetchedAlgorithms.shared.sha256, nil) == 1
            && EVP_DigestUpdate(context, first.baseAddress, first.count) == 1
            && EVP_DigestUpdate(context, second.baseAddress, second.count) == 1
            && EVP_DigestFinal_ex(context, digest.bytes, &length) == 1
        precondition(ok && length == UInt32(SHA256.byteCount), "SHA-256 failed")
    }
}

@available(*, unavailable, message: "A SHA256Context is reused by one thread at a time")
extension SHA256Context: Sendable {}
