internal import TokenVaultStore

/// What ``Vault/delete(_:)`` did beyond deleting.
public struct DeletionReport: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(walTruncated: Bool) {
        self.walTruncated = walTruncated
    }

    /// Whether the WAL was checkpointed and truncated, so that no page image of the deleted
    /// ciphertext remains in the `-wal` file. False only when another process kept reading
    /// past the busy timeout; the next checkpoint then finishes the job.
    public let walTruncated: Bool
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

    /// Revokes a credential at once: from now on `fetch` and `verify` refuse it.
    ///
    /// Revoking an already revoked credential changes nothing and succeeds.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist.
    public func revoke(_ name: String) throws(VaultError) {
        let name = try Labels.name(name)
        try audited(AuditRecord(.revoke, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            guard loaded.credential.revokedAt == nil else {
                record.reason = "already revoked"
                return
            }
            // The revoke wins over a rotation under way: its pending version is revoked and its
            // lease cleared, so that its next step finds the credential revoked and stops.
            try changingState(of: loaded.rowID, db, &record) { _ in
                try CredentialTable.setRevoked(db, loaded.rowID, at: now)
                try Rotation.discardPending(loaded.rowID, db: db)
            }
            try RotationLeaseTable.release(db, credential: loaded.rowID)
        }
    }

    /// Deletes a credential for good: its secret versions and grants are destroyed, its name
    /// is freed, and a tombstone (id and name history) keeps the audit trail continuous.
    ///
    /// Security: with `secure_delete` on, SQLite overwrites the freed ciphertext; the WAL is
    /// then checkpointed and truncated so that no older page image keeps a copy. A deleted
    /// credential cannot be restored.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist.
    @discardableResult
    public func delete(_ name: String) throws(VaultError) -> DeletionReport {
        let name = try Labels.name(name)
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
        return DeletionReport(walTruncated: truncated)
    }
}

extension Vault {
    /// Revokes one secret version: a previous version still in its grace period, or
    /// a pending one. To stop the current version, revoke the credential or rotate first.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) for a missing credential or version;
    ///   ``VaultError/Kind/invalidInput`` for the current version.
    public func revoke(_ name: String, version: Int) throws(VaultError) {
        let name = try Labels.name(name)
        try audited(AuditRecord(.revoke, name: name)) { db, _, record in
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
                try changingState(of: loaded.rowID, db, &record) { _ in
                    try SecretVersionTable.setState(db, credential: loaded.rowID, version: Int64(version), .revoked)
                }
            }
        }
    }
}
