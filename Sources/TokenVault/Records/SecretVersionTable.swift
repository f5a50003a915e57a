internal import TokenVaultStore

/// The `secret_versions` table: a credential's secret versions, numbered from 1, each with its
/// state (`current`, `previous`, `pending`, `revoked`), its ciphertext and keyed fingerprint.
///
/// `SecretVersionTable` owns the table's statements; ``SecretVersions`` encrypts and decrypts,
/// and ``StoredVersion`` decodes a row.
enum SecretVersionTable {
    private static let insertSQL = """
        INSERT INTO secret_versions (credential_id, version, state, key_id, ciphertext, fingerprint, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    private static let currentSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? AND state = 'current'"
    private static let numberedSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? AND version = ?"
    private static let allSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? ORDER BY version"
    private static let allForSealSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ?"
    private static let allForSealBeforeSchema8SQL = "SELECT \(StoredVersion.columnsBeforeSchema8) FROM secret_versions WHERE credential_id = ?"
    private static let issuedSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE fingerprint = ? AND ciphertext IS NULL"
    private static let currentCreationSQL = "SELECT version, created_at FROM secret_versions WHERE credential_id = ? AND state = 'current'"
    private static let setStateSQL = "UPDATE secret_versions SET state = ? WHERE credential_id = ? AND version = ?"
    private static let firstUseSQL = "UPDATE secret_versions SET first_used_at = ? WHERE credential_id = ? AND version = ?"
    private static let retireWaitingSQL =
        "UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND state = 'previous' AND retire_on_first_use_of = ?"
    private static let retireLapsedSQL = """
        UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND state = 'previous'
        AND (valid_until <= ? OR retire_on_first_use_of IS NOT NULL)
        """
    private static let makePreviousSQL =
        "UPDATE secret_versions SET state = 'previous', valid_until = ?, retire_on_first_use_of = ? WHERE credential_id = ? AND version = ?"
    private static let discardPendingSQL = "UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND state = 'pending'"
    private static let promotePendingSQL =
        "UPDATE secret_versions SET state = 'current', created_at = ? WHERE credential_id = ? AND version = ? AND state = 'pending'"
    private static let maxVersionSQL = "SELECT max(version) FROM secret_versions WHERE credential_id = ?"
    private static let deleteSQL = "DELETE FROM secret_versions WHERE credential_id = ?"
    private static let encryptedCredentialsSQL = "SELECT DISTINCT credential_id FROM secret_versions WHERE ciphertext IS NOT NULL ORDER BY 1"
    private static let reencryptSQL = "UPDATE secret_versions SET key_id = ?, ciphertext = ? WHERE credential_id = ? AND version = ?"
    private static let sealSQL = "UPDATE secret_versions SET state_seq = ?, state_mac = ? WHERE credential_id = ? AND version = ?"
    private static let upstreamSQL = "UPDATE secret_versions SET upstream_id = ?, upstream_expires_at = ? WHERE credential_id = ? AND version = ?"
    private static let oweSQL = """
        UPDATE secret_versions SET owed_step = ?, owed_attempts = 0, owed_detail = NULL
        WHERE credential_id = ? AND version = ? AND closed_at IS NULL
        """
    private static let oweInStateSQL = """
        UPDATE secret_versions SET owed_step = ?, owed_attempts = 0, owed_detail = NULL
        WHERE credential_id = ? AND state = ? AND closed_at IS NULL AND owed_step IS NULL
        """
    private static let failedAttemptSQL =
        "UPDATE secret_versions SET owed_attempts = owed_attempts + 1, owed_detail = ? WHERE credential_id = ? AND version = ?"
    private static let settleSQL = """
        UPDATE secret_versions SET owed_step = NULL, owed_attempts = 0, owed_detail = NULL, closed_at = ?
        WHERE credential_id = ? AND version = ?
        """
    private static let backlogSQL =
        "SELECT DISTINCT credential_id FROM secret_versions WHERE owed_step IS NOT NULL OR state = 'pending' ORDER BY 1"
    private static let owingSQL = "SELECT DISTINCT credential_id FROM secret_versions WHERE owed_step IS NOT NULL ORDER BY 1"

    /// The versions of the credentials whose row ids are in a range (two arguments), in
    /// credential and version order: for the state verifier's merge.
    static let rangeSQL =
        "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id BETWEEN ? AND ? ORDER BY credential_id, version"

    static func insert(
        _ db: Connection, credential rowID: Int64, version: Int64, state: VersionState, keyID: Int64?, ciphertext: [UInt8]?,
        fingerprint: [UInt8], createdAt: UnixTime
    ) throws {
        try db.execute(insertSQL, [rowID, version, state.rawValue, keyID, ciphertext, fingerprint, createdAt])
    }

    /// The current version's row (``StoredVersion/columns``), or nil.
    static func current(_ db: Connection, credential rowID: Int64) throws -> Row? {
        try db.row(currentSQL, [rowID])
    }

    /// Version `version`'s row, or nil.
    static func numbered(_ db: Connection, credential rowID: Int64, version: Int64) throws -> Row? {
        try db.row(numberedSQL, [rowID, version])
    }

    /// Every version's row, by number.
    static func all(_ db: Connection, credential rowID: Int64) throws -> [Row] {
        try db.rows(allSQL, [rowID])
    }

    /// Every version's row in no particular order, to seal them (`schema`: as for
    /// ``CredentialTable/stored(_:_:schema:)``).
    static func allToSeal(_ db: Connection, credential rowID: Int64, schema: Int = .max) throws -> [Row] {
        try db.rows(schema < Records.issuerLoopSchema ? allForSealBeforeSchema8SQL : allForSealSQL, [rowID])
    }

    /// The row of the issued token whose keyed hash is `fingerprint`, or nil.
    static func issued(_ db: Connection, fingerprint: [UInt8]) throws -> Row? {
        try db.row(issuedSQL, [fingerprint])
    }

    /// The current version's number and creation time, as the row says (unchecked).
    static func currentCreation(_ db: Connection, credential rowID: Int64) throws -> (version: Int64?, createdAt: Int64?)? {
        try db.row(currentCreationSQL, [rowID]).map { ($0.int64(0), $0.int64(1)) }
    }

    static func setState(_ db: Connection, credential rowID: Int64, version: Int64, _ state: VersionState) throws {
        try db.execute(setStateSQL, [state.rawValue, rowID, version])
    }

    static func recordFirstUse(_ db: Connection, credential rowID: Int64, version: Int64, at time: UnixTime) throws {
        try db.execute(firstUseSQL, [time, rowID, version])
    }

    /// Revokes the previous versions that retire on the first use of `version`.
    static func retirePreviousWaiting(_ db: Connection, credential rowID: Int64, for version: Int64) throws {
        try db.execute(retireWaitingSQL, [rowID, version])
    }

    /// Revokes the previous versions past their deadline at `now`, and those waiting for a first use.
    static func retireLapsedPrevious(_ db: Connection, credential rowID: Int64, now: UnixTime) throws {
        try db.execute(retireLapsedSQL, [rowID, now])
    }

    /// Makes `version` a previous version, valid until `validUntil` or the first use of `retireOnFirstUseOf`.
    static func makePrevious(
        _ db: Connection, credential rowID: Int64, version: Int64, validUntil: UnixTime?, retireOnFirstUseOf: Int64?
    ) throws {
        try db.execute(makePreviousSQL, [validUntil, retireOnFirstUseOf, rowID, version])
    }

    /// Revokes a pending version.
    static func discardPending(_ db: Connection, credential rowID: Int64) throws {
        try db.execute(discardPendingSQL, [rowID])
    }

    /// Makes pending version `version` current, created at `time`; false when it is not pending.
    static func promotePending(_ db: Connection, credential rowID: Int64, version: Int64, at time: UnixTime) throws -> Bool {
        try db.execute(promotePendingSQL, [time, rowID, version])
        return db.changes == 1
    }

    /// The highest version number, or nil for none.
    static func maxVersion(_ db: Connection, credential rowID: Int64) throws -> Int64? {
        try db.row(maxVersionSQL, [rowID])?.int64(0)
    }

    static func deleteAll(_ db: Connection, credential rowID: Int64) throws {
        try db.execute(deleteSQL, [rowID])
    }

    /// The row ids of the credentials with an encrypted version, in order.
    static func credentialsWithCiphertext(_ db: Connection) throws -> [Row] {
        try db.rows(encryptedCredentialsSQL)
    }

    /// Replaces a version's ciphertext (and the key it is under).
    static func reencrypt(_ db: Connection, credential rowID: Int64, version: Int64, keyID: Int64, ciphertext: [UInt8]) throws {
        try db.execute(reencryptSQL, [keyID, ciphertext, rowID, version])
    }

    /// Records what the issuer said about a version: its id for the token and its real expiry.
    static func recordUpstream(_ db: Connection, credential rowID: Int64, version: Int64, id: String?, expiresAt: UnixTime?) throws {
        try db.execute(upstreamSQL, [id, expiresAt, rowID, version])
    }

    /// Records that `version` owes its issuer `step` (unless the issuer already confirmed it closed).
    static func owe(_ db: Connection, credential rowID: Int64, version: Int64, _ step: UpstreamStep) throws {
        try db.execute(oweSQL, [step.rawValue, rowID, version])
    }

    /// Records that every version in `state` owes its issuer `step`, unless it already owes one
    /// or the issuer confirmed it closed.
    static func owe(_ db: Connection, credential rowID: Int64, inState state: VersionState, _ step: UpstreamStep) throws {
        try db.execute(oweInStateSQL, [step.rawValue, rowID, state.rawValue])
    }

    /// Counts a failed attempt of the step `version` owes, and how it failed.
    static func recordFailedAttempt(_ db: Connection, credential rowID: Int64, version: Int64, detail: String) throws {
        try db.execute(failedAttemptSQL, [detail, rowID, version])
    }

    /// Clears the step `version` owed: the issuer confirmed the token closed at `time`.
    static func settle(_ db: Connection, credential rowID: Int64, version: Int64, at time: UnixTime) throws {
        try db.execute(settleSQL, [time, rowID, version])
    }

    /// The row ids of the credentials with a pending version or a step owed, in order.
    static func credentialsWithBacklog(_ db: Connection) throws -> [Int64] {
        try db.rows(backlogSQL).compactMap { $0.int64(0) }
    }

    /// The row ids of the credentials with a version that owes its issuer a step, in order.
    static func credentialsOwingSteps(_ db: Connection) throws -> [Int64] {
        try db.rows(owingSQL).compactMap { $0.int64(0) }
    }

    /// Writes a version's state MAC and the event it was sealed under.
    static func seal(_ db: Connection, credential rowID: Int64, version: Int64, seq: Int64, mac: [UInt8]) throws {
        try db.execute(sealSQL, [seq, mac, rowID, version])
    }
}
