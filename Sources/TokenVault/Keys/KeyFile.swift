internal import TokenVaultCrypto
internal import TokenVaultSystem

/// Key files: 32 random bytes in a file only its owner can read.
public enum KeyFile {
    /// Writes a new key file of 32 random bytes with mode 0600 (whatever the umask), creating
    /// missing parent folders with mode 0700.
    ///
    /// ```swift
    /// try KeyFile.generate(at: "/etc/tokenvault/vault.key")
    /// let vault = try Vault.create(at: path, key: .keyFile("/etc/tokenvault/vault.key"))
    /// ```
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when anything (a symbolic link included)
    ///   exists at `path`; ``VaultError/Kind/failed`` when it cannot be written.
    ///
    /// Security: the key unlocks the vault. Keep it on another medium than the vault's
    /// backups, or fetch it through a key command from a KMS, TPM or `systemd-creds`.
    public static func generate(at path: String) throws(VaultError) {
        let key: SecureBytes
        do { key = try SecureBytes.random(count: SymmetricKey.byteCount) } catch {
            throw .failed("the random generator failed")
        }
        try system { () throws(SystemError) in
            try Files.requireNoSymbolicLink(path)
            try Files.makeDirectories(Files.parent(of: path))
            try Files.writePrivateFile(path, bytes: key)
        }
    }
}
