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

    /// Reads and checks the credential with row id `rowID`, or returns nil when there is none.
    ///
    /// - Throws: ``StateViolation`` for the first row that fails its MAC or is stale.
    static func load(rowID: Int64, _ db: Connection, _ authenticator: StateAuthenticator) throws -> CredentialSnapshot? {
        guard let row = try CredentialTable.storedWithNewestEvent(db, rowID) else { return nil }
        return try checked(
            row, grants: GrantTable.stored(db, credential: rowID), versionRows: SecretVersionTable.all(db, credential: rowID),
            nameRows: NameHistoryTable.rows(db, credential: rowID), authenticator
        )
    }

    /// Checks one credential's rows, however they were read: the credential row followed by its
    /// newest state-changing event (``CredentialTable/storedWithNewestEvent(_:_:)``), its grants,
    /// its version rows and its name rows (whose columns start at `nameOffset`). The one check
    /// of a credential's whole state, for ``load(rowID:_:_:)`` and for `audit verify`'s merge.
    ///
    /// - Throws: ``StateViolation`` for the first row that fails its MAC or is stale.
    static func checked(
        _ row: Row, grants: [StoredGrant], versionRows: [Row], nameRows: [Row], nameOffset: Int = 0,
        _ authenticator: StateAuthenticator
    ) throws -> CredentialSnapshot {
        let credential = try StoredCredential(row, grants: grants)
        try authenticator.check(credential, newestEvent: row.int64(StoredCredential.columnCount))
        let versions = try versionRows.map { row throws in try StoredVersion(row, credential: credential.label) }
        for version in versions { try authenticator.check(version, of: credential) }
        let names = try nameRows.map { row throws in try StoredName(row, offset: nameOffset, credential: credential.label) }
        for name in names { try authenticator.check(name, of: credential) }
        return CredentialSnapshot(credential: credential, versions: versions, names: names)
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
    ///
    /// - Parameter schema: the schema the vault is at (the upgrade to schema 6 seals rows before
    ///   later migrations add their columns).
    static func reseal(rowID: Int64, seq: Int64, _ db: Connection, _ authenticator: StateAuthenticator, schema: Int = .max) throws {
        guard let row = try CredentialTable.stored(db, rowID, schema: schema) else {
            throw StateViolation(table: "credentials", credential: nil, problem: .missing)
        }
        let credential = try StoredCredential(row, grants: GrantTable.stored(db, credential: rowID))
        try CredentialTable.seal(db, rowID, seq: seq, mac: authenticator.mac(of: credential, seq: seq))
        for row in try SecretVersionTable.allToSeal(db, credential: rowID, schema: schema) {
            let version = try StoredVersion(row, credential: credential.label)
            try SecretVersionTable.seal(
                db, credential: rowID, version: version.version, seq: seq, mac: authenticator.mac(of: version, uid: credential.uid, seq: seq)
            )
        }
        for row in try NameHistoryTable.rowsToSeal(db, credential: rowID) {
            let name = try StoredName(row, credential: credential.label)
            try NameHistoryTable.seal(db, name, seq: seq, mac: authenticator.mac(of: name, uid: credential.uid, seq: seq))
        }
    }
}
