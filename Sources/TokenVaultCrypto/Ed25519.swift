internal import COpenSSL

/// Ed25519 signatures (RFC 8032) through OpenSSL 3's EVP_PKEY interface, for audit seals.
///
/// ```swift
/// let key = try Ed25519.PrivateKey.generate()
/// let signature = try key.signature(for: message)
/// let valid = key.publicKey.isValidSignature(signature, for: message)
/// ```
///
/// See <https://www.openssl.org/docs/man3.0/man7/Ed25519.html>.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64

    /// A private key (its 32-byte seed in wiped memory).
    public struct PrivateKey: Sendable {
        let seed: SecureBytes

        /// Wraps a 32-byte seed.
        public init(seed: SecureBytes) throws(CryptoError) {
            guard seed.count == 32 else { throw .invalidInput }
            self.seed = seed
        }

        /// A new random key.
        public static func generate() throws(CryptoError) -> PrivateKey {
            try PrivateKey(seed: SecureBytes.random(count: 32))
        }

        /// The seed, for wrapping under another key.
        public var rawRepresentation: SecureBytes { seed }

        /// The matching public key.
        public var publicKey: PublicKey {
            get throws(CryptoError) {
                let key = try pkey()
                defer { EVP_PKEY_free(key) }
                var raw = [UInt8](repeating: 0, count: publicKeyByteCount)
                var length = publicKeyByteCount
                guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == publicKeyByteCount else {
                    ERR_clear_error()
                    throw .libraryFailure
                }
                return try PublicKey(rawRepresentation: raw)
            }
        }

        /// Signs `message` (Ed25519 hashes internally; no digest is chosen).
        public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
            let key = try pkey()
            defer { EVP_PKEY_free(key) }
            guard let context = EVP_MD_CTX_new() else { throw .libraryFailure }
            defer { EVP_MD_CTX_free(context) }
            var signature = [UInt8](repeating: 0, count: signatureByteCount)
            var length = signatureByteCount
            guard EVP_DigestSignInit_ex(context, nil, nil, nil, nil, key, nil) == 1,
                EVP_DigestSign(context, &signature, &length, message, message.count) == 1,
                length == signatureByteCount
            else {
                ERR_clear_error()
                throw .libraryFailure
            }
            return signature
        }

        private func pkey() throws(CryptoError) -> OpaquePointer {
            let key = seed.withUnsafeBytes { raw in
                EVP_PKEY_new_raw_private_key_ex(nil, "ED25519", nil, raw.bytes, raw.count)
            }
            guard let key else {
                ERR_clear_error()
                throw .libraryFailure
            }
            return key
        }
    }

    /// A public key (32 bytes).
    public struct PublicKey: Sendable, Equatable {
        public let rawRepresentation: [UInt8]

        public init(rawRepresentation: [UInt8]) throws(CryptoError) {
            guard rawRepresentation.count == publicKeyByteCount else { throw .invalidInput }
            self.rawRepresentation = rawRepresentation
        }

        /// Whether `signature` is a valid Ed25519 signature of `message` under this key.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == signatureByteCount,
                let key = EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, rawRepresentation, rawRepresentation.count)
            else {
                ERR_clear_error()
                return false
            }
            defer { EVP_PKEY_free(key) }
            guard let context = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(context) }
            let valid =
                EVP_DigestVerifyInit_ex(context, nil, nil, nil, nil, key, nil) == 1
                && EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
            ERR_clear_error()
            return valid
        }
    }
}
