internal import COpenSSL

/// scrypt (RFC 7914): a memory-hard key derivation for passphrases.
///
/// ```swift
/// let parameters = Scrypt.Parameters.default      // N = 2^17, r = 8, p = 1
/// let kek = try Scrypt.deriveKey(from: passphrase, salt: salt, parameters: parameters)
/// ```
///
/// Security: OpenSSL caps scrypt's memory at 32 MiB unless told otherwise, which the
/// default parameters exceed (they need about 128 MiB). The cap passed here is computed
/// from the parameters, and the parameters are bounded, so a hostile vault file cannot
/// make an unlock allocate gigabytes.
///
/// See <https://www.openssl.org/docs/man3.0/man3/EVP_PBE_scrypt.html>.
public enum Scrypt {
    /// Cost parameters, stored in the vault next to the salt.
    public struct Parameters: Sendable, Equatable {
        /// CPU/memory cost; a power of two.
        public var n: UInt64
        /// Block size.
        public var r: UInt64
        /// Parallelism.
        public var p: UInt64

        public init(n: UInt64, r: UInt64, p: UInt64) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// N = 2^17, r = 8, p = 1: about 0.45 s and 128 MiB here.
        public static let `default` = Parameters(n: 1 << 17, r: 8, p: 1)

        /// The most memory an unlock may take: N ≤ 2^20, r ≤ 32, p ≤ 16, at most 1 GiB.
        public var isSupported: Bool {
            n >= 2 && n <= 1 << 20 && n & (n - 1) == 0 && (1...32).contains(r) && (1...16).contains(p)
                && memoryNeeded <= 1 << 30
        }

        /// Bytes scrypt allocates: 128·r·(N + p + 2).
        public var memoryNeeded: UInt64 { 128 * r * (n + p + 2) }
    }

    /// Derives a 256-bit key from a passphrase.
    ///
    /// - Throws: ``CryptoError/unsupportedParameters`` for parameters outside
    ///   ``Parameters/isSupported``; ``CryptoError/libraryFailure`` if OpenSSL fails.
    public static func deriveKey(
        from passphrase: SecureBytes,
        salt: [UInt8],
        parameters: Parameters
    ) throws(CryptoError) -> SymmetricKey {
        try deriveKey(from: passphrase, salt: salt, parameters: parameters, length: SymmetricKey.byteCount)
            .asKey()
    }

    /// Derivation of any length, for RFC 7914's test vectors.
    static func deriveKey(
        from passphrase: SecureBytes,
        salt: [UInt8],
        parameters: Parameters,
        length: Int
    ) throws(CryptoError) -> SecureBytes {
        guard parameters.isSupported else { throw .unsupportedParameters }
        var ok = false
        let key = SecureBytes(capacity: length) { out in
            passphrase.withUnsafeBytes { password in
                salt.withUnsafeBytes { saltBytes in
                    ok =
                        EVP_PBE_scrypt(
                            password.baseAddress?.assumingMemoryBound(to: CChar.self), password.count,
                            saltBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), saltBytes.count,
                            parameters.n, parameters.r, parameters.p,
                            parameters.memoryNeeded + (1 << 20),
                            out.bytes, length
                        ) == 1
                }
            }
            return length
        }
        guard ok else {
            ERR_clear_error()
            throw .libraryFailure
        }
        return key
    }
}

extension SecureBytes {
    fileprivate func asKey() throws(CryptoError) -> SymmetricKey { try SymmetricKey(self) }
}
