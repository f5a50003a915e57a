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

    /// Seals the state as it stands, after checking that this really is the first upgrade.
    ///
    /// - Throws: ``VaultError/Kind/integrity`` when the trail already holds an
    ///   `authenticate-state` event, or does not verify (chain and MACs): someone who removed the
    ///   state columns and the migration's record to have the rows sealed again as they stand
    ///   would have to clear the state flags of earlier events, which breaks their hashes.
    static func authenticate(_ db: Connection, keys: Keyring, actor: String, at now: UnixTime) throws {
        guard try !AuditEventTable.hasEvent(db, action: .authenticateState) else {
            throw VaultError(.integrity, "the vault's authenticated state was removed after an upgrade: it will not be sealed again")
        }
        let genesis = Digest32(AuditLog.genesisHash(vaultID: keys.vaultID))!
        let walk = try AuditChainWalker.checkPart(0, of: 1, db, genesis: genesis, auditKey: keys.auditKey, seal: nil, schemaHasIdentity: false)
        if let problem = walk.finding?.problem {
            throw VaultError(
                .integrity, "the audit trail does not verify (\(problem.description)): the state is not sealed",
                hint: "run `tokenvault audit verify` with the previous release, and restore the vault from a trusted backup"
            )
        }
        let seq = try AuditLog.nextSequence(db)
        try VaultMetaTable.setStateEpoch(db, seq)
        try StoredMeta.seal(db, keys: keys)
        let authenticator = StateAuthenticator(keys: keys, epoch: seq)
        var count = 0
        for rowID in try CredentialTable.allRowIDs(db) {
            try StateSealer.reseal(rowID: rowID, seq: seq, db, authenticator, schema: schemaVersion)
            count += 1
        }
        var record = AuditRecord(.authenticateState)
        record.reason = "schema 6: authenticated the state of \(count) credentials as it stood"
        record.stateSeq = seq
        try AuditLog.append(record, caller: .upgrading(actor), at: now, keys: keys, db: db)
    }
}
