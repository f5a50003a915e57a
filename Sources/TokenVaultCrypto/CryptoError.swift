/// Why a cryptographic operation failed. Carries no data: never a key, a plaintext or an
/// OpenSSL reason string (those never contain user data, but nothing here needs them).
public enum CryptoError: Error, Sendable, Equatable {
    /// An AES-GCM tag did not verify: the key is wrong or the ciphertext, nonce or
    /// associated data was changed. OpenSSL does not tell these apart, and neither do we.
    case authenticationFailure
    /// A key, nonce or sealed box has the wrong size or shape.
    case invalidInput
    /// Parameters outside the supported range (for example scrypt's N, r, p).
    case unsupportedParameters
    /// OpenSSL reported an internal failure (allocation, random generator).
    case libraryFailure
}
