/// A 256-bit symmetric key held in wiped memory.
///
/// ```swift
/// let key = try SymmetricKey.generate()
/// let box = try AESGCM.seal(secret, using: key, authenticating: aad)
/// ```
public struct SymmetricKey: Sendable {
    /// The key size in bytes (AES-256, HMAC-SHA256 keys).
    public static let byteCount = 32

    let bytes: SecureBytes

    /// Wraps existing key material.
    ///
    /// - Throws: ``CryptoError/invalidInput`` unless it is exactly 32 bytes.
    public init(_ bytes: SecureBytes) throws(CryptoError) {
        guard bytes.count == Self.byteCount else { throw .invalidInput }
        self.bytes = bytes
    }

    /// A new random key.
    public static func generate() throws(CryptoError) -> SymmetricKey {
        try SymmetricKey(SecureBytes.random(count: byteCount))
    }

    /// Calls `body` with the raw key bytes (for wrapping under another key).
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try bytes.withUnsafeBytes(body)
    }

    /// A subkey for one purpose: HMAC-SHA256(self, label). Distinct labels give
    /// independent keys (HMAC is a PRF), so one root key can serve several jobs.
    public func derive(label: String) throws(CryptoError) -> SymmetricKey {
        var tag = HMAC.authenticate(Array(label.utf8), using: self)
        defer { Wipe.array(&tag) }
        return try SymmetricKey(SecureBytes(copying: tag))
    }
}
