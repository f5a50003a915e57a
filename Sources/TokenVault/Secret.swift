internal import TokenVaultCrypto
internal import TokenVaultSystem

/// A secret (a token, a passphrase) in memory that is wiped when the last reference goes.
///
/// `Secret` is a reference type: passing it never copies the bytes. Read it only through
/// ``withUnsafeBytes(_:)``.
///
/// ```swift
/// let fetched = try vault.fetch("erp-prod", need: Need(permissions: .read))
/// fetched.secret.withUnsafeBytes { bytes in
///     request.setAuthorization(bearer: bytes)
/// }
/// ```
///
/// - Warning: A `String` or `Array` made from the bytes is a copy that nobody wipes. Keep
///   such copies as short-lived as the API you hand them to allows.
public final class Secret: Sendable {
    /// The largest secret a vault stores: 16 KiB, far above any API token.
    public static let maximumByteCount = 16 * 1_024

    let bytes: SecureBytes

    init(_ bytes: SecureBytes) { self.bytes = bytes }

    /// Copies `bytes` into wiped memory.
    public convenience init(copying bytes: some Collection<UInt8>) {
        self.init(SecureBytes(copying: bytes))
    }

    /// Reads a secret from a file descriptor (standard input) until end of file, dropping one
    /// trailing newline (`\n` or `\r\n`).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when the input is empty or larger than
    ///   ``maximumByteCount``; ``VaultError/Kind/failed`` on a read error.
    public static func read(fromFileDescriptor descriptor: Int32) throws(VaultError) -> Secret {
        let raw = try system { () throws(SystemError) in try Files.readAll(descriptor: descriptor, limit: maximumByteCount, what: "the secret") }
        return try Secret(raw).droppingTrailingNewline().nonEmpty()
    }

    /// Reads one line (a passphrase or token typed at a prompt) from a file descriptor, without
    /// its line ending. Stops at a newline or end of file.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when the line is empty or too long.
    public static func readLine(fromFileDescriptor descriptor: Int32) throws(VaultError) -> Secret {
        let raw = try system { () throws(SystemError) in try Files.readLine(descriptor: descriptor, limit: maximumByteCount) }
        return try Secret(raw).droppingTrailingNewline().nonEmpty()
    }

    /// A secret written in place into wiped memory, never through an `Array` or a `String`: for a
    /// decoder that turns the bytes of an answer (a JSON string, base64) into a secret.
    ///
    /// ```swift
    /// let secret = Secret(capacity: escaped.count) { buffer in
    ///     unescape(escaped, into: buffer)  // returns how many bytes it wrote
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - capacity: the most bytes `body` may write; all of them are wiped when the secret goes.
    ///   - body: writes the secret and returns its length, at most `capacity`.
    package convenience init(capacity: Int, initializingWith body: (UnsafeMutableRawBufferPointer) -> Int) {
        self.init(SecureBytes(capacity: capacity, initializingWith: body))
    }

    /// Reads a secret kept in a file that only its owner may read, as a key file must be (an
    /// access token for `tokenvault serve`), dropping one trailing newline.
    ///
    /// ```swift
    /// let token = try Secret.readPrivateFile("/etc/tokenvault/ci.token", what: "the access token file")
    /// ```
    ///
    /// - Throws: ``VaultError/Kind/locked`` when the file cannot be read, is not a regular file,
    ///   others may read it, or it is empty; ``VaultError/Kind/invalidInput`` when it is larger
    ///   than ``maximumByteCount``.
    package static func readPrivateFile(_ path: String, what: String) throws(VaultError) -> Secret {
        let raw = try system { () throws(SystemError) in try Files.readPrivateFile(path, limit: maximumByteCount, what: what) }
        let secret = Secret(raw).droppingTrailingNewline()
        guard secret.count > 0 else { throw VaultError(.locked, "\(what) '\(DisplayText.clean(path, limit: 60))' is empty") }
        return secret
    }

    /// The number of bytes.
    public var count: Int { bytes.count }

    /// Calls `body` with the secret's bytes. Do not let the pointer escape.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try bytes.withUnsafeBytes(body)
    }

    /// Compares two secrets in constant time.
    public func constantTimeEquals(_ other: Secret) -> Bool { bytes.constantTimeEquals(other.bytes) }

    func droppingTrailingNewline() -> Secret {
        let trailing = bytes.withUnsafeBytes { raw -> Int in
            guard raw.last == UInt8(ascii: "\n") else { return 0 }
            return raw.count >= 2 && raw[raw.count - 2] == UInt8(ascii: "\r") ? 2 : 1
        }
        return trailing == 0 ? self : Secret(bytes.slice(0..<(bytes.count - trailing)))
    }

    func nonEmpty() throws(VaultError) -> Secret {
        guard count > 0 else { throw .invalid("the secret is empty", hint: "pipe the token on standard input") }
        return self
    }
}
