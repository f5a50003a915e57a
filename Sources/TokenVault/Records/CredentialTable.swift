internal import TokenVaultStore

/// The `credentials` table: one row per credential, live or deleted (a tombstone keeps its id).
///
/// `CredentialTable` owns the table's writes and its small queries; ``CredentialRecords`` reads
/// whole credentials with their grants, and ``StoredCredential`` decodes a row.
enum CredentialTable {
    /// The newest state-changing event of the credential `c.uid`, as a column.
    static let newestEventColumn =
        "(SELECT max(a.seq) FROM audit_events a WHERE a.credential_uid = c.uid AND a.changes_state = 1)"

    private static let insertSQL = """
        INSERT INTO credentials (uid, name, kind, legacy, description, issuer, api_url, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
        """
    private static let nameTakenSQL = "SELECT 1 FROM credentials WHERE name = ?"
    private static let renameSQL = "UPDATE credentials SET name = ? WHERE id = ?"
    private static let revokeSQL = "UPDATE credentials SET revoked_at = ? WHERE id = ?"
    private static let tombstoneSQL = """
        UPDATE credentials SET name = NULL, deleted_at = ?, description = NULL, api_url = NULL,
            hook = NULL, last_used_by = NULL WHERE id = ?
        """
    private static let expirySQL = "UPDATE credentials SET expires_at = ? WHERE id = ?"
    private static let labelsSQL = """
        UPDATE credentials SET api_url = coalesce(?, api_url), issuer = coalesce(?, issuer), description = coalesce(?, description)
        WHERE id = ?
        """
    private static let hookSQL = "UPDATE credentials SET hook = ? WHERE id = ?"
    private static let useSQL = "UPDATE credentials SET last_used_at = ?, last_used_by = ? WHERE id = ?"
    private static let testSQL = "UPDATE credentials SET last_test_at = ?, last_test_ok = ?, last_test_detail = ? WHERE id = ?"
    private static let sealSQL = "UPDATE credentials SET state_seq = ?, state_mac = ? WHERE id = ?"
    private static let dueSQL = """
        SELECT name FROM credentials WHERE deleted_at IS NULL AND expires_at <= ? ORDER BY expires_at, name
        """
    private static let storedSQL = "SELECT \(StoredCredential.columns) FROM credentials c WHERE c.id = ?"
    private static let storedBeforeSchema8SQL = "SELECT \(StoredCredential.columnsBeforeSchema8) FROM credentials c WHERE c.id = ?"
    private static let storedWithEventSQL = "SELECT \(StoredCredential.columns), \(newestEventColumn) FROM credentials c WHERE c.id = ?"
    private static let allIDsSQL = "SELECT id FROM credentials ORDER BY id"
    private static let maxIDSQL = "SELECT max(id) FROM credentials"
    private static let oldestSecretsSQL = """
        SELECT c.name, v.created_at FROM secret_versions v JOIN credentials c ON c.id = v.credential_id
        WHERE v.state = 'current' AND c.deleted_at IS NULL AND c.revoked_at IS NULL ORDER BY v.created_at, c.name LIMIT 10
        """

    /// The rows of the credentials whose ids are in a range (two arguments), by id, each with its
    /// newest state-changing event: for the state verifier's merge.
    static let rangeSQL =
        "SELECT \(StoredCredential.columns), \(newestEventColumn) FROM credentials c WHERE c.id BETWEEN ? AND ? ORDER BY c.id"

    /// Inserts a credential and returns its row id.
    static func insert(
        _ db: Connection, uid: String, name: String, kind: CredentialKind, legacy: Bool, description: String?, issuer: String?,
        apiURL: String?, createdAt: UnixTime, expiresAt: UnixTime?
    ) throws -> Int64 {
        try Records.insertedID(db, insertSQL, [uid, name, kind.rawValue, legacy, description, issuer, apiURL, createdAt, expiresAt])
    }

    /// Whether a credential (live) holds `name`: a tombstone has none.
    private static let childRowsSQL = """
        SELECT 'grants' FROM grants WHERE credential_id = ?
        UNION ALL SELECT 'secret_versions' FROM secret_versions WHERE credential_id = ?
        UNION ALL SELECT 'name_history' FROM name_history WHERE credential_id = ? LIMIT 1
        """

    /// The first table holding a row that belongs to credential `rowID`, or nil: for a row id
    /// just assigned, any such row was planted before the credential existed.
    static func childTableWithRows(_ db: Connection, of rowID: Int64) throws -> String? {
        // Three plain parameters, not one numbered `?1` used thrice: PostgreSQL has no `?NNN`.
        try db.row(childRowsSQL, [rowID, rowID, rowID])?.string(0)
    }

    private static let nameOfUIDSQL = "SELECT name FROM credentials WHERE uid = ?"

    /// How the credential with `uid` is named in messages: its name, or its uid when it has
    /// none (deleted, or no such row).
    static func label(ofUID uid: String, _ db: Connection) throws -> String {
        try db.row(nameOfUIDSQL, [uid])?.string(0) ?? uid
    }

    static func isNameTaken(_ db: Connection, _ name: String) throws -> Bool {
        try db.row(nameTakenSQL, [name]) != nil
    }

    static func rename(_ db: Connection, _ rowID: Int64, to name: String) throws {
        try db.execute(renameSQL, [name, rowID])
    }

    static func setRevoked(_ db: Connection, _ rowID: Int64, at time: UnixTime) throws {
        try db.execute(revokeSQL, [time, rowID])
    }

    /// Turns the row into a tombstone: its name and descriptive columns are cleared.
    static func tombstone(_ db: Connection, _ rowID: Int64, deletedAt time: UnixTime) throws {
        try db.execute(tombstoneSQL, [time, rowID])
    }

    /// Sets the labels given; nil leaves one as it is.
    static func setLabels(_ db: Connection, _ rowID: Int64, apiURL: String?, issuer: String?, description: String?) throws {
        guard apiURL != nil || issuer != nil || description != nil else { return }
        try db.execute(labelsSQL, [apiURL, issuer, description, rowID])
    }

    /// Sets the credential's hook; nil removes it.
    static func setHook(_ db: Connection, _ rowID: Int64, _ hook: String?) throws {
        try db.execute(hookSQL, [hook, rowID])
    }

    static func setExpiry(_ db: Connection, _ rowID: Int64, _ expiresAt: UnixTime?) throws {
        try db.execute(expirySQL, [expiresAt, rowID])
    }

    /// Records who used the credential and when (bookkeeping, not authenticated).
    static func recordUse(_ db: Connection, _ rowID: Int64, at time: UnixTime, by actor: String) throws {
        try db.execute(useSQL, [time, actor, rowID])
    }

    static func recordConnectionTest(_ db: Connection, _ rowID: Int64, at time: UnixTime, passed: Bool, detail: String) throws {
        try db.execute(testSQL, [time, passed, detail, rowID])
    }

    /// Writes the row's state MAC and the event it was sealed under.
    static func seal(_ db: Connection, _ rowID: Int64, seq: Int64, mac: [UInt8]) throws {
        try db.execute(sealSQL, [seq, mac, rowID])
    }

    /// The name and kind of every live, unrevoked credential that expires by `time`, soonest first.
    /// The names of the live credentials that expire before `time`, soonest first: candidates
    /// only, each to be read and checked before anything is decided about it.
    static func dueForRotation(_ db: Connection, before time: UnixTime) throws -> [String] {
        try db.rows(dueSQL, [time]).compactMap { $0.string(0) }
    }

    /// The row with id `rowID` (``StoredCredential/columns``), or nil.
    ///
    /// - Parameter schema: the schema the vault is at; the upgrade to schema 6 reads rows before
    ///   later migrations add their columns.
    static func stored(_ db: Connection, _ rowID: Int64, schema: Int = .max) throws -> Row? {
        try db.row(schema < Records.issuerLoopSchema ? storedBeforeSchema8SQL : storedSQL, [rowID])
    }

    /// The row with id `rowID`, then its newest state-changing event, or nil.
    static func storedWithNewestEvent(_ db: Connection, _ rowID: Int64) throws -> Row? {
        try db.row(storedWithEventSQL, [rowID])
    }

    /// Every row id, tombstones included, in order.
    static func allRowIDs(_ db: Connection) throws -> [Int64] {
        try db.rows(allIDsSQL).compactMap { $0.int64(0) }
    }

    /// The highest row id, or nil for an empty table.
    static func maxRowID(_ db: Connection) throws -> Int64? {
        try db.row(maxIDSQL)?.int64(0)
    }

    /// The names of the ten live, unrevoked credentials whose current secret is oldest, oldest
    /// first, as the rows say (unchecked: the caller checks what it shows).
    static func namesWithOldestSecrets(_ db: Connection) throws -> [String?] {
        try db.rows(oldestSecretsSQL).map { $0.string(0) }
    }
}
