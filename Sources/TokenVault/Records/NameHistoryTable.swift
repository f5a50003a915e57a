internal import TokenVaultStore

/// The `name_history` table: every name a credential has had, with when it got it. It outlives
/// the credential's deletion, so that the audit trail's names keep their owner.
/// ``StoredName`` decodes a row.
enum NameHistoryTable {
    private static let insertSQL = "INSERT INTO name_history (credential_id, name, named_at) VALUES (?, ?, ?)"
    // SQLite: `rowid` orders renames within one second; elsewhere an identity column would.
    private static let ofCredentialSQL = "SELECT \(StoredName.columns) FROM name_history WHERE credential_id = ? ORDER BY named_at, rowid"
    private static let ofCredentialForSealSQL = "SELECT \(StoredName.columns) FROM name_history WHERE credential_id = ?"
    // SQLite: `rowid` identifies the row; elsewhere an identity column would.
    private static let sealSQL = "UPDATE name_history SET state_seq = ?, state_mac = ? WHERE rowid = ?"

    /// The names of the credentials whose row ids are in a range (two arguments), each row
    /// starting with its credential's row id, in credential order: for the state verifier's merge.
    static let rangeSQL =
        "SELECT credential_id, \(StoredName.columns) FROM name_history WHERE credential_id BETWEEN ? AND ? ORDER BY credential_id, named_at, name"

    static func insert(_ db: Connection, credential rowID: Int64, name: String, at time: UnixTime) throws {
        try db.execute(insertSQL, [rowID, name, time])
    }

    /// A credential's name rows, oldest first (``StoredName/columns``).
    static func rows(_ db: Connection, credential rowID: Int64) throws -> [Row] {
        try db.rows(ofCredentialSQL, [rowID])
    }

    /// A credential's name rows in no particular order, to seal them.
    static func rowsToSeal(_ db: Connection, credential rowID: Int64) throws -> [Row] {
        try db.rows(ofCredentialForSealSQL, [rowID])
    }

    /// Writes a name row's state MAC and the event it was sealed under.
    static func seal(_ db: Connection, _ name: StoredName, seq: Int64, mac: [UInt8]) throws {
        try db.execute(sealSQL, [seq, mac, name.rowID])
    }
}
