internal import TokenVaultStore

/// The `vault_meta` table: the vault's one header row (`singleton = 1`): its id, how its
/// key-encryption key is obtained, and its state epoch with the row's MAC.
/// ``VaultMeta`` and ``StoredMeta`` decode it.
enum VaultMetaTable {
    private static let insertSQL =
        "INSERT INTO vault_meta (singleton, vault_id, created_at, kek_kind, kdf_salt, kdf_n, kdf_r, kdf_p) VALUES (1, ?, ?, ?, ?, ?, ?, ?)"
    private static let headerSQL = "SELECT \(VaultMeta.Column.selectList()) FROM vault_meta"
    private static let storedSQL = "SELECT \(VaultMeta.Column.selectList()), \(StoredMeta.StateColumn.selectList()) FROM vault_meta"
    private static let vaultIDSQL = "SELECT vault_id FROM vault_meta"
    private static let setKEKSQL = "UPDATE vault_meta SET kek_kind = ?, kdf_salt = ?, kdf_n = ?, kdf_r = ?, kdf_p = ?"
    private static let setStateMACSQL = "UPDATE vault_meta SET state_mac = ?"
    private static let setStateEpochSQL = "UPDATE vault_meta SET state_epoch = ?"

    /// Inserts the header of a new vault.
    static func insert(
        _ db: Connection, vaultID: [UInt8], createdAt: UnixTime, kekKind: VaultMeta.KEKKind, salt: [UInt8]?, n: Int64?, r: Int64?,
        p: Int64?
    ) throws {
        try db.execute(insertSQL, [vaultID, createdAt, kekKind.rawValue, salt, n, r, p])
    }

    /// The header's columns that every schema has (``VaultMeta/Column``), or nil.
    static func header(_ db: Connection) throws -> Row? {
        try db.row(headerSQL)
    }

    /// The header's columns, then its state columns (``StoredMeta/StateColumn``), or nil.
    static func stored(_ db: Connection) throws -> Row? {
        try db.row(storedSQL)
    }

    /// The vault's id, as the row says (unchecked).
    static func vaultID(_ db: Connection) throws -> [UInt8]? {
        try db.row(vaultIDSQL)?.blob(0)
    }

    /// Records how the key-encryption key is now obtained.
    static func setKeyEncryption(_ db: Connection, kind: VaultMeta.KEKKind, salt: [UInt8]?, n: Int64?, r: Int64?, p: Int64?) throws {
        try db.execute(setKEKSQL, [kind.rawValue, salt, n, r, p])
    }

    static func setStateMAC(_ db: Connection, _ mac: [UInt8]) throws {
        try db.execute(setStateMACSQL, [mac])
    }

    static func setStateEpoch(_ db: Connection, _ seq: Int64) throws {
        try db.execute(setStateEpochSQL, [seq])
    }
}
