internal import TokenVaultStore

/// Every authenticated row of one credential, read in one transaction and checked: the
/// credential with its grants, its secret versions and its name history.
///
/// Operations that change a credential's state start from a snapshot, so that every row they
/// keep has been checked before ``StateSealer/reseal(rowID:seq:_:_:)`` seals it again under
/// their own event: a forged row is refused, never blessed by a later change.
struct CredentialSnapshot: Sendable {
    let credential: StoredCredential
    /// By version number.
    let versions: [StoredVersion]
    /// Oldest first.
    let names: [StoredName]

    /// The newest state-changing event of the credential `c.uid`, as a column.
    static let newestEventColumn =
        "(SELECT max(a.seq) FROM audit_events a WHERE a.credential_uid = c.uid AND a.changes_state = 1)"

    /// Reads and checks the credential with row id `rowID`, or returns nil when there is none.
    ///
    /// - Throws: ``StateViolation`` for the first row that fails its MAC or is stale.
    static func load(rowID: Int64, _ db: Connection, _ authenticator: StateAuthenticator) throws -> CredentialSnapshot? {
        guard
            let row = try db.row(
                "SELECT \(StoredCredential.columns), \(newestEventColumn) FROM credentials c WHERE c.id = ?", [rowID]
            )
        else { return nil }
        let credential = try StoredCredential(row, grants: grants(of: rowID, db))
        try authenticator.check(credential, newestEvent: row.int64(StoredCredential.columnCount))
        let versions = try db.rows(
            "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? ORDER BY version", [rowID]
        ).map { row throws in try StoredVersion(row, credential: credential.label) }
        for version in versions { try authenticator.check(version, of: credential) }
        let names = try db.rows(
            "SELECT \(StoredName.columns) FROM name_history WHERE credential_id = ? ORDER BY named_at, rowid", [rowID]
        ).map { row throws in try StoredName(row, credential: credential.label) }
        for name in names { try authenticator.check(name, of: credential) }
        return CredentialSnapshot(credential: credential, versions: versions, names: names)
    }

    /// The grants of a credential, as stored.
    static func grants(of rowID: Int64, _ db: Connection) throws -> [StoredGrant] {
        try db.rows("SELECT \(StoredGrant.columns) FROM grants WHERE credential_id = ? ORDER BY 1, 2", [rowID])
            .compactMap { StoredGrant($0) }
    }

    /// The newest version in `state`, or nil.
    func newest(_ state: VersionState) -> StoredVersion? {
        versions.last { $0.versionState == state }
    }

    func version(_ number: Int64) -> StoredVersion? {
        versions.first { $0.version == number }
    }

    /// The number the next version gets.
    var nextVersionNumber: Int64 { (versions.last?.version ?? 0) + 1 }
}

/// Seals a credential's rows: computes each row's MAC over its values as they now stand, under
/// the sequence number of the event that changed them.
enum StateSealer {
    /// Seals every row of the credential with row id `rowID` (credential, versions, names) under
    /// event `seq`.
    ///
    /// Call it only on rows checked at the start of the same transaction
    /// (``CredentialSnapshot/load(rowID:_:_:)``) or written by the caller.
    static func reseal(rowID: Int64, seq: Int64, _ db: Connection, _ authenticator: StateAuthenticator) throws {
        guard let row = try db.row("SELECT \(StoredCredential.columns) FROM credentials c WHERE c.id = ?", [rowID]) else {
            throw StateViolation(table: "credentials", credential: nil, problem: .missing)
        }
        let credential = try StoredCredential(row, grants: CredentialSnapshot.grants(of: rowID, db))
        try db.execute(
            "UPDATE credentials SET state_seq = ?, state_mac = ? WHERE id = ?",
            [seq, authenticator.mac(of: credential, seq: seq), rowID]
        )
        for row in try db.rows("SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ?", [rowID]) {
            let version = try StoredVersion(row, credential: credential.label)
            try db.execute(
                "UPDATE secret_versions SET state_seq = ?, state_mac = ? WHERE credential_id = ? AND version = ?",
                [seq, authenticator.mac(of: version, uid: credential.uid, seq: seq), rowID, version.version]
            )
        }
        for row in try db.rows("SELECT \(StoredName.columns) FROM name_history WHERE credential_id = ?", [rowID]) {
            let name = try StoredName(row, credential: credential.label)
            try db.execute(
                "UPDATE name_history SET state_seq = ?, state_mac = ? WHERE rowid = ?",
                [seq, authenticator.mac(of: name, uid: credential.uid, seq: seq), name.rowID]
            )
        }
    }
}
