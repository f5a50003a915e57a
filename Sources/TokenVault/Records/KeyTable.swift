internal import TokenVaultStore

/// The `keys` table: the vault's keys, wrapped under the key-encryption key. One `mac` key, and
/// `data` keys of which one is active; a destroyed data key keeps its row, without its key.
/// ``Keyring/KeyColumn`` lists the columns read to unwrap them.
enum KeyTable {
    private static let activeKeysSQL = "SELECT \(Keyring.KeyColumn.selectList()) FROM keys WHERE state = 'active' ORDER BY id"
    private static let activeDataKeyIDSQL = "SELECT id FROM keys WHERE purpose = 'data' AND state = 'active'"
    private static let activeDataKeySQL = "SELECT id, encryptions FROM keys WHERE purpose = 'data' AND state = 'active'"
    private static let countEncryptionSQL = "UPDATE keys SET encryptions = encryptions + 1 WHERE id = ?"
    private static let setEncryptionsSQL = "UPDATE keys SET encryptions = ? WHERE id = ?"
    private static let destroyDataKeysSQL = "UPDATE keys SET state = 'destroyed', wrapped = NULL WHERE purpose = 'data' AND state = 'active'"
    private static let insertSQL = "INSERT INTO keys (id, purpose, state, wrapped, created_at) VALUES (?, ?, 'active', ?, ?)"
    private static let rewrapSQL = "UPDATE keys SET wrapped = ? WHERE id = ?"
    private static let maxIDSQL = "SELECT max(id) FROM keys"

    /// The active keys' rows (``Keyring/KeyColumn``), by id.
    static func activeKeys(_ db: Connection) throws -> [Row] {
        try db.rows(activeKeysSQL)
    }

    /// The active data key's id, or nil (one indexed read: every operation makes it).
    static func activeDataKeyID(_ db: Connection) throws -> Int64? {
        try db.row(activeDataKeyIDSQL)?.int64(0)
    }

    /// The ids of the active data keys.
    static func activeDataKeyIDs(_ db: Connection) throws -> [Int64] {
        try db.rows(activeDataKeyIDSQL).compactMap { $0.int64(0) }
    }

    /// The active data key's id and how many encryptions it has performed, or nil.
    static func activeDataKey(_ db: Connection) throws -> (id: Int64, encryptions: Int64)? {
        guard let row = try db.row(activeDataKeySQL), let id = row.int64(0), let count = row.int64(1) else { return nil }
        return (id, count)
    }

    /// Counts one more encryption under key `id`.
    static func countEncryption(_ db: Connection, key id: Int64) throws {
        try db.execute(countEncryptionSQL, [id])
    }

    static func setEncryptions(_ db: Connection, key id: Int64, _ count: Int64) throws {
        try db.execute(setEncryptionsSQL, [count, id])
    }

    /// Destroys the active data keys: their wrapped keys are erased, their rows kept.
    static func destroyDataKeys(_ db: Connection) throws {
        try db.execute(destroyDataKeysSQL)
    }

    /// Inserts an active key.
    static func insert(_ db: Connection, id: Int64, purpose: Keyring.Purpose, wrapped: [UInt8], createdAt: UnixTime) throws {
        try db.execute(insertSQL, [id, purpose.rawValue, wrapped, createdAt])
    }

    /// Replaces key `id`'s wrapped form (a new key-encryption key).
    static func rewrap(_ db: Connection, id: Int64, wrapped: [UInt8]) throws {
        try db.execute(rewrapSQL, [wrapped, id])
    }

    /// The highest key id, or nil for none.
    static func maxID(_ db: Connection) throws -> Int64? {
        try db.row(maxIDSQL)?.int64(0)
    }
}
