internal import TokenVaultStore
internal import TokenVaultSystem

/// What ``Vault/delete(_:)`` did beyond deleting.
public struct DeletionReport: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(walTruncated: Bool, issuerSteps: [IssuerStepResult] = []) {
        self.walTruncated = walTruncated
        self.issuerSteps = issuerSteps
    }

    /// Whether the WAL was checkpointed and truncated, so that no page image of the deleted
    /// ciphertext remains in the `-wal` file. False only when another process kept reading
    /// past the busy timeout; the next checkpoint then finishes the job.
    public let walTruncated: Bool
    /// The `revoke` steps run at the issuer before deleting (all done, or nothing was deleted).
    public let issuerSteps: [IssuerStepResult]
}

extension Vault {
    /// Renames a credential. Its id stays, and the old name joins its name history.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist;
    ///   ``VaultError/Kind/invalidInput`` when `newName` is invalid or taken.
    public func rename(_ name: String, to newName: String) throws(VaultError) {
        let name = try Labels.name(name)
        let newName = try Labels.name(newName)
        try audited(AuditRecord(.rename, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            record.credentialName = newName
            record.reason = "renamed from '\(name)'"
            guard newName != name else { throw VaultError.invalid("the credential is already named '\(printable(name))'") }
            guard try !CredentialTable.isNameTaken(db, newName) else {
                throw VaultError.invalid("a credential named '\(printable(newName))' already exists")
            }
            try changingState(of: loaded.rowID, db, &record) { _ in
                try CredentialTable.rename(db, loaded.rowID, to: newName)
                try NameHistoryTable.insert(db, credential: loaded.rowID, name: newName, at: now)
            }
        }
    }

    /// Revokes a credential at once: from now on `fetch` and `verify` refuse it. When it has
    /// its own hook and that hook speaks protocol 2, the hook's `revoke` step then revokes each
    /// token the issuer may still accept (the current, previous and pending versions), so that a
    /// token revoked in the vault is revoked at its issuer too.
    ///
    /// ```swift
    /// for step in try vault.revoke("erp-prod") where step.isFailure {
    ///     log(step)  // retried by the next rotation run
    /// }
    /// ```
    ///
    /// Revoking an already revoked credential succeeds; with such a hook it closes at the issuer
    /// what a revoke in the vault only (`atIssuer: false`) left open.
    ///
    /// - Parameter atIssuer: false revokes in the vault only (`--local-only`).
    /// - Returns: the `revoke` steps run or left waiting. A failed one stays owed, and every
    ///   later rotation run retries it.
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist.
    @discardableResult
    public func revoke(_ name: String, atIssuer: Bool = true) throws(VaultError) -> [IssuerStepResult] {
        let name = try Labels.name(name)
        let session = try issuerSession(of: name, atIssuer: atIssuer)
        // A hook whose program is gone cannot say which protocol it speaks: not probed, and the
        // caller is told that nothing was revoked at the issuer.
        let hookIsGone = session.map { !Executables.commandResolves($0.hook.command) } ?? false
        var owesRevoke = false
        if !hookIsGone, let session { owesRevoke = try session.protocolVersion() == .two }
        let (rowID, currentVersion) = try audited(AuditRecord(.revoke, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            let result = (loaded.rowID, loaded.credential.currentVersion ?? 0)
            let alreadyRevoked = loaded.credential.revokedAt != nil
            if alreadyRevoked { record.reason = "already revoked" }
            guard !alreadyRevoked || owesRevoke else { return result }
            // The revoke wins over a rotation under way: its pending version is revoked and its
            // lease cleared, so that its next step finds the credential revoked and stops.
            if owesRevoke { record.reason = (alreadyRevoked ? "already revoked; " : "") + "revoke step owed at the issuer" }
            try changingState(of: loaded.rowID, db, &record) { _ in
                if owesRevoke {
                    // Every token the issuer may still accept, unless it owes a step already
                    // or the issuer confirmed it closed.
                    for state in [VersionState.current, .previous, .pending] {
                        try SecretVersionTable.owe(db, credential: loaded.rowID, inState: state, .revoke)
                    }
                }
                guard !alreadyRevoked else { return }
                try CredentialTable.setRevoked(db, loaded.rowID, at: now)
                try Rotation.discardPending(loaded.rowID, db: db)
            }
            try RotationLeaseTable.release(db, credential: loaded.rowID)
            return result
        }
        guard let session else { return [] }
        guard !hookIsGone else {
            return [
                IssuerStepResult(
                    name: name, version: currentVersion, step: .revoke,
                    outcome: .waiting("its hook's program is not an executable file any more: revoke the token at its issuer by hand")
                )
            ]
        }
        return try settleIssuerSteps(ofRowID: rowID, session: session)
    }

    /// The credential's own hook, to close its tokens at the issuer; nil when it has none or
    /// `atIssuer` is false.
    func issuerSession(of name: String, atIssuer: Bool, timeoutSeconds: Int64 = 60) throws(VaultError) -> HookSession? {
        guard atIssuer else { return nil }
        let hook = try reading { db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator)?.credential.hook }
        return hook.map { HookSession(RotationHook(command: $0, timeoutSeconds: timeoutSeconds)) }
    }

    /// Deletes a credential for good: its secret versions and grants are destroyed, its name
    /// is freed, and a tombstone (id and name history) keeps the audit trail continuous.
    ///
    /// A credential with its own protocol-2 hook is first revoked as ``revoke(_:atIssuer:)``
    /// does, at the issuer too, and deleted only once every `revoke` step is done: its secrets
    /// are what those steps need, and a deleted credential cannot retry them.
    ///
    /// Security: with `secure_delete` on, SQLite overwrites the freed ciphertext; the WAL is
    /// then checkpointed and truncated so that no older page image keeps a copy. A deleted
    /// credential cannot be restored.
    ///
    /// - Parameter atIssuer: false deletes without the issuer's `revoke` steps (`--local-only`).
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist;
    ///   ``VaultError/Kind/failed`` when a `revoke` step failed: the credential is then revoked in
    ///   the vault, kept, and the step retried by the next rotation run.
    @discardableResult
    public func delete(_ name: String, atIssuer: Bool = true) throws(VaultError) -> DeletionReport {
        let name = try Labels.name(name)
        var issuerSteps: [IssuerStepResult] = []
        if let session = try issuerSession(of: name, atIssuer: atIssuer), try session.protocolVersion() == .two {
            issuerSteps = try revoke(name, atIssuer: true)
            if let open = issuerSteps.first(where: { $0.outcome != .done }) {
                throw VaultError(
                    .failed, "'\(printable(name))' is revoked in the vault but not deleted: \(open)",
                    hint: "tokenvault delete --local-only deletes it without closing it at the issuer"
                )
            }
        }
        try audited(AuditRecord(.delete, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            try changingState(of: loaded.rowID, db, &record) { _ in
                try SecretVersionTable.deleteAll(db, credential: loaded.rowID)
                try GrantTable.deleteAll(db, credential: loaded.rowID)
                try CredentialTable.tombstone(db, loaded.rowID, deletedAt: now)
            }
        }
        let truncated = (try? queue.withConnection { db in Records.foldWriteAheadLog(db) }) ?? false
        return DeletionReport(walTruncated: truncated, issuerSteps: issuerSteps)
    }
}

extension Vault {
    /// Revokes one secret version: a previous version still in its grace period, or
    /// a pending one. To stop the current version, revoke the credential or rotate first. With
    /// the credential's own protocol-2 hook, its `revoke` step revokes the token at the issuer.
    ///
    /// - Parameter atIssuer: false revokes in the vault only (`--local-only`).
    /// - Returns: the `revoke` step run or left waiting.
    /// - Throws: ``VaultError/Kind/notFound`` (audited) for a missing credential or version;
    ///   ``VaultError/Kind/invalidInput`` for the current version.
    @discardableResult
    public func revoke(_ name: String, version: Int, atIssuer: Bool = true) throws(VaultError) -> [IssuerStepResult] {
        let name = try Labels.name(name)
        let session = try issuerSession(of: name, atIssuer: atIssuer)
        let owesRevoke = try session?.protocolVersion() == .two
        let rowID = try audited(AuditRecord(.revoke, name: name)) { db, _, record in
            let authenticator = stateAuthenticator
            guard let loaded = try CredentialRecords.live(named: name, db, authenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            record.version = Int64(version)
            guard let stored = try SecretVersions.read(of: loaded, version: Int64(version), db, authenticator) else {
                throw Refusal(
                    error: VaultError(.notFound, "credential '\(printable(name))' has no version \(version)"), outcome: .denied,
                    reason: "no such version")
            }
            switch stored.versionState {
            case .current?:
                throw VaultError.invalid(
                    "version \(version) of '\(printable(name))' is current: revoke the credential, or rotate it first"
                )
            case .revoked?:
                record.reason = "already revoked"
            default:
                let owes = owesRevoke && stored.upstream.owed == nil && stored.upstream.closedAt == nil
                if owes { record.reason = "revoke step owed at the issuer" }
                try changingState(of: loaded.rowID, db, &record) { _ in
                    if owes { try SecretVersionTable.owe(db, credential: loaded.rowID, version: Int64(version), .revoke) }
                    try SecretVersionTable.setState(db, credential: loaded.rowID, version: Int64(version), .revoked)
                }
            }
            return loaded.rowID
        }
        guard let session else { return [] }
        return try settleIssuerSteps(ofRowID: rowID, session: session).filter { $0.version == version }
    }
}
