internal import TokenVaultCrypto
internal import TokenVaultStore
internal import TokenVaultSystem

/// What ``Vault/backup(to:)`` made and checked.
public struct BackupReport: Sendable {
    /// The copy's path.
    public let path: String
    /// The audit events the copy holds, every one checked (chain and MACs).
    public let eventsChecked: Int64
    /// The credentials whose state the copy's check found matching its trail.
    public let credentialsChecked: Int64
}

extension Vault {
    /// Writes a consistent copy of the vault to a new file and checks it.
    ///
    /// ```swift
    /// let report = try vault.backup(to: "/backup/vault-2026-12-02.db")
    /// ```
    ///
    /// The copy is one file, mode 0600, taken from one snapshot while other processes go on. Of a
    /// vault file, SQLite's `VACUUM INTO` writes it: it holds what the vault's `-wal` file holds
    /// too, which a plain `cp` of the vault file alone misses, and none of the free pages (no
    /// deleted ciphertext). Of a vault in PostgreSQL, every row is copied from one read snapshot
    /// into a new vault file, ids, hashes and MACs as they are (as ``migrate(to:progress:)`` copies). The
    /// copy is then opened with this vault's key and its whole trail and state verified, as
    /// `audit verify` does; a copy that does not verify is removed. It opens with the same key as
    /// the vault. Restoring a file vault's backup is copying it back (the vault's processes
    /// stopped); a PostgreSQL vault's is ``migrate(to:progress:)`` from the backup into an empty schema.
    /// Audited in this vault as `backup`, with the path and the event count.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when something exists at `path`, it is a
    ///   symbolic link or a URL; ``VaultError/Kind/failed`` when the copy cannot be written (a
    ///   missing folder, a full disk); ``VaultError/Kind/integrity`` when the copy does not verify.
    public func backup(to path: String) throws(VaultError) -> BackupReport {
        try requireAdmin()
        guard case .file = try StoreLocation(vault: path) else {
            throw .invalid("a backup is a vault file; to copy the vault into PostgreSQL, use `tokenvault migrate-to`")
        }
        let report: AuditReport
        switch location.engine {
        case .sqlite:
            try system { () throws(SystemError) in try Files.createPrivateFile(path) }
            do {
                // SQLite: `VACUUM INTO` writes the file from one read snapshot (its own transaction),
                // into the empty file just created, which keeps its mode.
                try Vault.mapErrors { try queue.withConnection { db in try db.execute("VACUUM INTO ?", [path]) } }
                report = try Vault.verifyCopy(at: path, kek: keyCache.kek, configuration: configuration)
            } catch {
                Files.removeVaultFiles(path)
                throw error
            }
        case .postgresql:
            // PostgreSQL: every row copied from one read snapshot into a new vault file, and
            // verified there before the file's transaction commits.
            report = try copyFromSnapshot(to: path)
            try Vault.withCopy(at: path, .file(path), kek: keyCache.kek, configuration: configuration) { _ throws(VaultError) in }
        }
        if let problem = report.problem {
            Files.removeVaultFiles(path)
            throw VaultError(
                .integrity, "the copy does not verify (\(problem.description)): it was removed", hint: "run `tokenvault audit verify` on the vault"
            )
        }
        try audited(AuditRecord(.backup)) { _, _, record in
            record.reason = "copied \(report.eventsChecked) events to '\(printable(path))', verified"
        }
        return BackupReport(path: path, eventsChecked: report.eventsChecked, credentialsChecked: report.credentialsChecked ?? 0)
    }

    /// The copy of a PostgreSQL vault's backup, its target's connection closed on return.
    private func copyFromSnapshot(to path: String) throws(VaultError) -> AuditReport {
        let target = try CopyTarget(path, configuration: configuration)
        do {
            return try Vault.mapErrors { try queue.read { source in try target.fill(from: source, kek: keyCache.kek).report } }
        } catch {
            target.discard()
            throw error
        }
    }

    /// Opens the copy at `path` with the vault's key-encryption key and verifies its trail and
    /// state, as ``withCopy(at:_:kek:configuration:_:)`` leaves a new file: one file.
    private static func verifyCopy(at path: String, kek: SymmetricKey, configuration: Configuration) throws(VaultError) -> AuditReport {
        // SQLite: `VACUUM INTO` writes a rollback-journal database; a vault is in WAL mode, which
        // a connection turns on as it opens (and a vault's open checks for in the header).
        try mapErrors {
            var options = Connection.Options()
            options.busyTimeoutMilliseconds = configuration.busyTimeoutMilliseconds
            _ = try Connection(path: path, options: options)
        }
        return try withCopy(at: path, .file(path), kek: kek, configuration: configuration) { copy throws(VaultError) in
            try copy.verifyAuditTrail()
        }
    }
}
