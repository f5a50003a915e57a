internal import TokenVaultStore

/// The `seal_keys` table: the vault's Ed25519 seal key (`id = 1`), its seed wrapped under a key
/// derived from the MAC key, and its public key.
enum SealKeyTable {
    private static let keySQL = "SELECT wrapped_seed, public_key FROM seal_keys WHERE id = 1"
    private static let publicKeySQL = "SELECT public_key FROM seal_keys WHERE id = 1"
    private static let insertSQL = "INSERT INTO seal_keys (id, public_key, wrapped_seed, created_at) VALUES (1, ?, ?, ?)"

    /// The wrapped seed and stored public key, or nil when there is no seal key yet.
    static func key(_ db: Connection) throws -> (wrappedSeed: [UInt8]?, publicKey: [UInt8]?)? {
        try db.row(keySQL).map { ($0.blob(0), $0.blob(1)) }
    }

    /// The stored public key, or nil.
    static func publicKey(_ db: Connection) throws -> [UInt8]? {
        try db.row(publicKeySQL)?.blob(0)
    }

    static func insert(_ db: Connection, publicKey: [UInt8], wrappedSeed: [UInt8], createdAt: UnixTime) throws {
        try db.execute(insertSQL, [publicKey, wrappedSeed, createdAt])
    }
}
