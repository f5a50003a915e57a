internal import TokenVaultStore

/// The `vault_meta` row as stored, with its MAC: the KDF parameters, the vault's creation time
/// and its state epoch.
///
/// The key-encryption key already depends on the KDF parameters (a changed salt or cost derives
/// another key, which opens nothing); the MAC also covers the epoch, which freshness checks use,
/// and makes any edit of the row an integrity failure rather than a puzzling "wrong key".
struct StoredMeta: Sendable {
    let vaultID: [UInt8]
    let createdAt: Int64
    let kekKind: String
    let salt: [UInt8]?
    let n: Int64?
    let r: Int64?
    let p: Int64?
    let epoch: Int64
    let stateMAC: [UInt8]?

    /// The state columns, selected after ``VaultMeta/Column``'s.
    enum StateColumn: Int, ColumnList {
        case stateEpoch, stateMAC
    }

    static func read(_ db: Connection) throws -> StoredMeta {
        typealias Column = VaultMeta.Column
        let state = Column.count
        guard let row = try VaultMetaTable.stored(db),
            let vaultID = row.blob(Column.vaultID), let createdAt = row.int64(Column.createdAt),
            let kind = row.string(Column.kekKind), let epoch = row.int64(StateColumn.stateEpoch, offset: state)
        else { throw StateViolation(table: "vault_meta", credential: nil, problem: .malformed) }
        return StoredMeta(
            vaultID: vaultID, createdAt: createdAt, kekKind: kind, salt: row.blob(Column.kdfSalt), n: row.int64(Column.kdfN),
            r: row.int64(Column.kdfR), p: row.int64(Column.kdfP), epoch: epoch, stateMAC: row.blob(StateColumn.stateMAC, offset: state)
        )
    }

    /// Writes the row's MAC, after a change to it (creation, rekey, the upgrade's epoch).
    static func seal(_ db: Connection, keys: Keyring) throws {
        let meta = try read(db)
        let mac = StateAuthenticator(keys: keys, epoch: meta.epoch).mac(of: meta)
        try VaultMetaTable.setStateMAC(db, mac)
    }

    /// The vault's state epoch, after checking the row's MAC.
    ///
    /// - Throws: ``StateViolation`` when the row has no MAC or a wrong one. A vault upgraded to
    ///   authenticated state always has one: the upgrade and its MAC commit together.
    static func verifiedEpoch(_ db: Connection, keys: Keyring) throws -> Int64 {
        let meta = try read(db)
        let authenticator = StateAuthenticator(keys: keys, epoch: meta.epoch)
        guard meta.vaultID == keys.vaultID, let stored = meta.stateMAC, authenticator.isValid(stored, for: meta) else {
            throw StateViolation(table: "vault_meta", credential: nil, problem: .forged)
        }
        return meta.epoch
    }
}
