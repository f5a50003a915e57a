internal import TokenVaultCrypto
internal import TokenVaultSystem

/// Where the key-encryption key (KEK) that unlocks a vault comes from.
///
/// ```swift
/// let vault = try Vault.open(at: path, key: .keyFile("/etc/tokenvault/vault.key"))
/// let vault = try Vault.open(at: path, key: .passphrase(secret))
/// let vault = try Vault.open(at: path, key: .command("systemd-creds cat tokenvault-kek"))
/// ```
///
/// Security: a key file must be readable by its owner only (mode 0600 or 0400), as ssh
/// requires of private keys. A key file or command output is 32 raw bytes or 64 hex digits.
public struct KeySource: Sendable {
    enum Storage: Sendable {
        case keyFile(String)
        case passphrase(Secret)
        case passphraseFile(String)
        case command(String)
    }

    let storage: Storage

    /// A file of 32 random bytes, as `tokenvault keygen` writes.
    public static func keyFile(_ path: String) -> KeySource { KeySource(storage: .keyFile(path)) }

    /// A passphrase, stretched with scrypt using the parameters stored in the vault.
    public static func passphrase(_ passphrase: Secret) -> KeySource { KeySource(storage: .passphrase(passphrase)) }

    /// A file holding the passphrase (one trailing newline is ignored). Read when the vault
    /// is opened; the file must be readable by its owner only.
    public static func passphraseFile(_ path: String) -> KeySource { KeySource(storage: .passphraseFile(path)) }

    /// A shell command that prints the key on standard output (a KMS, a TPM, systemd-creds).
    public static func command(_ command: String) -> KeySource { KeySource(storage: .command(command)) }

    /// Whether this source is a passphrase (stretched with scrypt) rather than a raw key.
    var isPassphrase: Bool {
        switch storage {
        case .passphrase, .passphraseFile: return true
        case .keyFile, .command: return false
        }
    }

    /// The shortest passphrase accepted for a new vault or a rekey.
    static let minimumPassphraseLength = 12

    /// Reads a raw 256-bit key from a key file or a key command.
    func rawKey() throws(VaultError) -> SymmetricKey {
        switch storage {
        case .keyFile(let path):
            let bytes = try system { () throws(SystemError) in try Files.readPrivateFile(path, limit: 256, what: "key file") }
            return try Self.parseKey(bytes, from: "key file '\(printable(path))'")
        case .command(let command):
            let outcome = try system { () throws(SystemError) in try Subprocess(command: command, outputLimit: 256, timeoutSeconds: 30).run() }
            guard outcome.termination == .exited(0) else {
                throw VaultError(.locked, "key command failed (\(outcome.termination.summary))")
            }
            return try Self.parseKey(outcome.output, from: "key command output")
        case .passphrase, .passphraseFile:
            preconditionFailure("a passphrase is stretched, not read as a raw key")
        }
    }

    /// The passphrase bytes, for scrypt; nil for raw-key sources.
    func passphraseBytes() throws(VaultError) -> SecureBytes? {
        switch storage {
        case .passphrase(let secret):
            return secret.bytes
        case .passphraseFile(let path):
            let bytes = try system { () throws(SystemError) in try Files.readPrivateFile(path, limit: 1_024, what: "passphrase file") }
            let passphrase = Secret(bytes).droppingTrailingNewline()
            guard passphrase.count > 0 else { throw VaultError(.locked, "passphrase file '\(printable(path))' is empty") }
            return passphrase.bytes
        case .keyFile, .command:
            return nil
        }
    }

    /// 32 raw bytes, or 64 hex digits with an optional trailing newline.
    static func parseKey(_ bytes: SecureBytes, from origin: String) throws(VaultError) -> SymmetricKey {
        if bytes.count == SymmetricKey.byteCount, let key = try? SymmetricKey(bytes) { return key }
        let decoded: SecureBytes? = bytes.withUnsafeBytes { raw in
            var digits = raw[...]
            while let last = digits.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
                digits = digits.dropLast()
            }
            guard digits.count == 2 * SymmetricKey.byteCount else { return nil }
            var failed = false
            let key = SecureBytes(capacity: SymmetricKey.byteCount) { out in
                for index in 0..<SymmetricKey.byteCount {
                    let start = digits.startIndex + 2 * index
                    guard let high = Hex.value(of: digits[start]), let low = Hex.value(of: digits[start + 1]) else {
                        failed = true
                        return 0
                    }
                    out[index] = high << 4 | low
                }
                return SymmetricKey.byteCount
            }
            return failed ? nil : key
        }
        guard let decoded, let key = try? SymmetricKey(decoded) else {
            throw VaultError(.locked, "\(origin) is not a key: expected 32 bytes or 64 hex digits")
        }
        return key
    }
}
