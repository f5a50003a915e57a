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

    /// The columns of `vault_meta` that every schema has, in `SELECT` order (schema 6 adds the
    /// state columns, which ``StoredMeta`` reads).
    enum Column: Int, ColumnList {
        case vaultID, createdAt, kekKind, kdfSalt, kdfN, kdfR, kdfP
    }

    static func read(_ db: Connection) throws -> VaultMeta {
        guard let row = try VaultMetaTable.header(db),
            let vaultID = row.blob(Column.vaultID), vaultID.count == 16,
            let kind = row.string(Column.kekKind).flatMap(KEKKind.init(rawValue:))
        else {
            throw VaultError(.integrity, "the vault has no valid header: it is damaged or not a TokenVault vault")
        }
        var parameters: Scrypt.Parameters?
        if kind == .scrypt {
            guard let n = row.int64(Column.kdfN), let r = row.int64(Column.kdfR), let p = row.int64(Column.kdfP), n > 0, r > 0, p > 0 else {
                throw VaultError(.integrity, "the vault's scrypt parameters are missing or invalid")
            }
            parameters = Scrypt.Parameters(n: UInt64(n), r: UInt64(r), p: UInt64(p))
        }
        return VaultMeta(
            vaultID: vaultID, createdAt: row.int64(Column.createdAt) ?? 0, kekKind: kind, salt: row.blob(Column.kdfSalt), scrypt: parameters
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
