internal import TokenVaultStore

/// The upgrade of a schema-5 vault to authenticated state (schema 6).
///
/// Runs once, inside the transaction of the migration that adds the state columns, on the first
/// open with the key: the rows are sealed as they stand under one audited event
/// (`authenticate-state`), whose sequence number becomes the vault's state epoch. The migration
/// and the sealing commit together, so a vault of schema 6 always has a sealed header; one whose
/// header lost its MAC is refused, never sealed again (that would bless whatever was forged).
///
/// Security: what a writer without the key changed *before* the upgrade is sealed as true. The
/// upgrade's event, and `audit verify` run before it, are the record of the state it started from.
enum StateUpgrade {
    /// The schema version whose migration adds authenticated state.
    static let schemaVersion = 6

    static func authenticate(_ db: Connection, keys: Keyring, actor: String, at now: UnixTime) throws {
        let seq = try AuditLog.nextSequence(db)
        try VaultMetaTable.setStateEpoch(db, seq)
        try StoredMeta.seal(db, keys: keys)
        let authenticator = StateAuthenticator(keys: keys, epoch: seq)
        var count = 0
        for rowID in try CredentialTable.allRowIDs(db) {
            try StateSealer.reseal(rowID: rowID, seq: seq, db, authenticator)
            count += 1
        }
        var record = AuditRecord(.authenticateState)
        record.reason = "schema 6: authenticated the state of \(count) credentials as it stood"
        record.stateSeq = seq
        try AuditLog.append(record, actor: actor, at: now, keys: keys, db: db)
    }
}
