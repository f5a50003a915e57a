internal import COpenSSL

/// AES-256-GCM authenticated encryption, through OpenSSL 3's EVP interface.
///
/// A sealed box is stored as one blob, `nonce (12) ‖ ciphertext ‖ tag (16)`, the
/// "combined" representation of swift-crypto's `AES.GCM.SealedBox`.
///
/// ```swift
/// let box = try AESGCM.seal(secret, using: key, authenticating: aad)
/// let opened = try AESGCM.open(box, using: key, authenticating: aad)
/// ```
///
/// Security: every call to ``seal(_:using:authenticating:)`` draws a fresh random 96-bit
/// nonce. The associated data is authenticated, not encrypted: binding it to "where this
/// ciphertext belongs" makes a ciphertext copied to another row fail to open.
///
/// See <https://www.openssl.org/docs/man3.0/man3/EVP_EncryptInit_ex.html> (GCM mode).
public enum AESGCM {
    public static let nonceByteCount = 12
    public static let tagByteCount = 16
    /// The bytes a sealed box adds to its plaintext.
    public static let overhead = nonceByteCount + tagByteCount

    /// Encrypts and authenticates `plaintext` under a fresh random nonce.
    ///
    /// - Returns: `nonce ‖ ciphertext ‖ tag`.
    /// - Throws: ``CryptoError/libraryFailure`` if OpenSSL fails.
    public static func seal(
        _ plaintext: SecureBytes,
        using key: SymmetricKey,
        authenticating associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try seal(plaintext, using: key, nonce: Random.bytes(nonceByteCount), authenticating: associatedData)
    }

    /// Encryption with a caller-chosen nonce: only for known-answer tests.
    static func seal(
        _ plaintext: SecureBytes,
        using key: SymmetricKey,
        nonce: [UInt8],
        authenticating associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        guard nonce.count == nonceByteCount else { throw .invalidInput }
        guard let context = EVP_CIPHER_CTX_new() else { throw .libraryFailure }
        defer { EVP_CIPHER_CTX_free(context) }

        var output = nonce + [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        let ok: Bool = key.withUnsafeBytes { keyBytes in
            plaintext.withUnsafeBytes { input in
                output.withUnsafeMutableBytes { out in
                    let ciphertext = out.baseAddress!.advanced(by: nonceByteCount).assumingMemoryBound(to: UInt8.self)
                    var length: Int32 = 0
                    guard EVP_EncryptInit_ex2(context, FetchedAlgorithms.shared.aes256GCM, nil, nil, nil) == 1,
                        EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
                        EVP_EncryptInit_ex2(context, nil, keyBytes.bytes, out.bytes, nil) == 1,
                        feedAssociatedData(associatedData, to: context, encrypting: true)
                    else { return false }
                    if input.count > 0 {
                        guard EVP_EncryptUpdate(context, ciphertext, &length, input.bytes, Int32(input.count)) == 1
                        else { return false }
                    }
                    var finalLength: Int32 = 0
                    guard EVP_EncryptFinal_ex(context, ciphertext.advanced(by: Int(length)), &finalLength) == 1
                    else { return false }
                    let tag = ciphertext.advanced(by: input.count)
                    return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), tag) == 1
                }
            }
        }
        guard ok else {
            ERR_clear_error()
            throw .libraryFailure
        }
        return output
    }

    /// Verifies and decrypts a sealed box.
    ///
    /// - Returns: the plaintext, in wiped-on-release memory.
    /// - Throws: ``CryptoError/authenticationFailure`` when the key, nonce, ciphertext, tag
    ///   or associated data do not match; ``CryptoError/invalidInput`` for a box too short
    ///   to hold a nonce and tag. No partial plaintext is ever returned.
    public static func open(
        _ sealedBox: [UInt8],
        using key: SymmetricKey,
        authenticating associatedData: [UInt8]
    ) throws(CryptoError) -> SecureBytes {
        guard sealedBox.count >= overhead else { throw .invalidInput }
        guard let context = EVP_CIPHER_CTX_new() else { throw .libraryFailure }
        defer { EVP_CIPHER_CTX_free(context) }
        let plaintextCount = sealedBox.count - overhead

        var verified = false
        let plaintext = SecureBytes(capacity: plaintextCount) { out in
            key.withUnsafeBytes { keyBytes in
                sealedBox.withUnsafeBytes { box in
                    let nonce = box.bytes
                    let ciphertext = nonce.advanced(by: nonceByteCount)
                    // OpenSSL's GCM_SET_TAG takes a non-const pointer but only reads it.
                    let tag = UnsafeMutableRawPointer(mutating: ciphertext.advanced(by: plaintextCount))
                    var length: Int32 = 0
                    guard EVP_DecryptInit_ex2(context, FetchedAlgorithms.shared.aes256GCM, nil, nil, nil) == 1,
                        EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
                        EVP_DecryptInit_ex2(context, nil, keyBytes.bytes, nonce, nil) == 1,
                        feedAssociatedData(associatedData, to: context, encrypting: false)
                    else { return 0 }
                    let output = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    if plaintextCount > 0 {
                        guard EVP_DecryptUpdate(context, output, &length, ciphertext, Int32(plaintextCount)) == 1
                        else { return 0 }
                    }
                    // The tag must be set before DecryptFinal, which is where it is checked.
                    var finalLength: Int32 = 0
                    guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), tag) == 1,
                        EVP_DecryptFinal_ex(context, output.advanced(by: Int(length)), &finalLength) == 1
                    else { return 0 }
                    verified = true
                    return plaintextCount
                }
            }
        }
        guard verified else {
            // A tag mismatch leaves the error queue empty; anything else is cleared too.
            // The partial plaintext buffer is wiped when `plaintext` is released.
            ERR_clear_error()
            throw .authenticationFailure
        }
        return plaintext
    }

    private static func feedAssociatedData(
        _ associatedData: [UInt8],
        to context: OpaquePointer,
        encrypting: Bool
    ) -> Bool {
        guard !associatedData.isEmpty else { return true }
        var length: Int32 = 0
        return associatedData.withUnsafeBytes { aad in
            encrypting
                ? EVP_EncryptUpdate(context, nil, &length, aad.bytes, Int32(aad.count)) == 1
                : EVP_DecryptUpdate(context, nil, &length, aad.bytes, Int32(aad.count)) == 1
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The base address as `const unsigned char *`, for OpenSSL.
    var bytes: UnsafePointer<UInt8> { baseAddress!.assumingMemoryBound(to: UInt8.self) }
}

extension UnsafeMutableRawBufferPointer {
    var bytes: UnsafeMutablePointer<UInt8> { baseAddress!.assumingMemoryBound(to: UInt8.self) }
}
