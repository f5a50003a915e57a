internal import TokenVaultCrypto
internal import TokenVaultStore

/// How the vault's key-encryption key (KEK) is obtained, as recorded in `vault_meta`.
struct VaultMeta: Sendable {
    enum KEKKind: String, Sendable { case key, scrypt }

    let vaultID: [UInt8]
    let createdAt: UnixTime
    let kekKind: KEKKind
    let salt: [UInt8]?
    let scrypt: Scrypt.Parameters?

    static func read(_ db: Connection) throws -> VaultMeta {
        guard let row = try db.row("SELECT vault_id, created_at, kek_kind, kdf_salt, kdf_n, kdf_r, kdf_p FROM vault_meta"),
            let vaultID = row.blob(0), vaultID.count == 16,
            let kind = row.string(2).flatMap(KEKKind.init(rawValue:))
        else {
            throw VaultError(.integrity, "the vault has no valid header: it is damaged or not a TokenVault vault")
        }
        var parameters: Scrypt.Parameters?
        if kind == .scrypt {
            guard let n = row.int64(4), let r = row.int64(5), let p = row.int64(6), n > 0, r > 0, p > 0 else {
                throw VaultError(.integrity, "the vault's scrypt parameters are missing or invalid")
            }
            parameters = Scrypt.Parameters(n: UInt64(n), r: UInt64(r), p: UInt64(p))
        }
        return VaultMeta(
            vaultID: vaultID, createdAt: row.int64(1) ?? 0, kekKind: kind, salt: row.blob(3), scrypt: parameters
        )
    }

    /// Derives the KEK from `source`, checking that the source fits this vault.
    func keyEncryptionKey(from source: KeySource) throws(VaultError) -> SymmetricKey {
        switch kekKind {
        case .key:
            guard !source.isPassphrase else {
                throw VaultError(.locked, "this vault is unlocked with a key file or key command, not a passphrase")
            }
            return try source.rawKey()
        case .scrypt:
            guard let passphrase = try source.passphraseBytes(), let salt, let scrypt else {
                throw VaultError(.locked, "this vault is unlocked with a passphrase, not a key file or key command")
            }
            guard scrypt.isSupported else {
                throw VaultError(.integrity, "the vault's scrypt parameters are outside the supported range")
            }
            do {
                return try Scrypt.deriveKey(from: passphrase, salt: salt, parameters: scrypt)
            } catch {
                throw VaultError(.failed, "scrypt failed (not enough memory?)")
            }
        }
    }
}
