internal import TokenVaultCrypto
internal import TokenVaultStore
internal import TokenVaultSystem

/// What ``Vault/migrate(to:progress:)`` copied and checked.
public struct MigrationReport: Sendable {
    /// Where the vault was copied to, as given.
    public let target: String
    /// The audit events the copy holds, every one checked (chain and MACs); the last is the
    /// `migrate` event.
    public let eventsChecked: Int64
    /// The credentials whose state the copy's check found matching its trail.
    public let credentialsChecked: Int64
    /// The rows copied, every table together.
    public let rowsCopied: Int64
}

extension Vault {
    /// Copies the vault to another location — a PostgreSQL schema, or a new vault file — with
    /// its trail, state, keys and seals as they are, and checks the copy before it is committed.
    ///
    /// ```swift
    /// let vault = try Vault.open(at: "/var/lib/tokenvault/vault.db", key: .keyFile(keyPath))
    /// let report = try vault.migrate(to: "postgresql:///vaults?host=/run/postgresql&options=-csearch_path%3Dtokenvault")
    /// ```
    ///
    /// The copy is made under this vault's write lock, so no write can fork its history on the
    /// way: the `migrate` event (naming `target`) is appended here first, then every row is
    /// copied with its ids, sequence numbers, hashes and MACs, in one transaction of the target.
    /// Inside that transaction, before it commits, the copy's keys are unwrapped with this
    /// vault's key-encryption key, every table's row count compared with this vault's, and the
    /// whole trail and state verified as `audit verify` does; a copy that does not verify is
    /// rolled back (a new file removed), and so is the `migrate` event here. Seals made of this
    /// vault verify on the copy, which opens with the same key.
    ///
    /// Writers to this vault wait for the copy (and fail with ``VaultError/Kind/busy`` after the
    /// busy timeout); stop them first, and point them at the copy after.
    ///
    /// - Parameters:
    ///   - target: a `postgresql://` URI (no password) whose current schema holds nothing, or a
    ///     path where nothing exists.
    ///   - progress: called after every page of rows copied, with the rows copied so far.
    /// - Returns: what was copied and checked.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a target that exists, holds tables, or is
    ///   not a valid location; ``VaultError/Kind/integrity`` when this vault's tables are not a
    ///   vault's of this version, or the copy does not verify (nothing is committed);
    ///   ``VaultError/Kind/locked`` and ``VaultError/Kind/unavailable`` for a PostgreSQL server
    ///   that refuses the login or cannot be reached; ``VaultError/Kind/busy`` when another
    ///   process holds this vault's write lock past the busy timeout.
    ///
    /// - Important: if this vault's own commit fails after the target's (a full disk), the
    ///   target is a whole, verified vault and this one lacks its `migrate` event: the error says
    ///   so; use the target.
    public func migrate(to target: String, progress: ((Int64) -> Void)? = nil) throws(VaultError) -> MigrationReport {
        try requireAdmin()
        let (report, location) = try copyMigrating(to: target, progress: progress)
        try Vault.withCopy(at: target, location, kek: keyCache.kek, configuration: configuration) { _ throws(VaultError) in }
        return report
    }

    /// The copy of ``migrate(to:progress:)``, its target's connection closed on return.
    private func copyMigrating(
        to target: String, progress: ((Int64) -> Void)?
    ) throws(VaultError) -> (MigrationReport, StoreLocation) {
        let destination = try CopyTarget(target, configuration: configuration)
        var copyCommitted = false
        do {
            let report = try Vault.mapErrors {
                try queue.write { source in
                    try keyCache.refresh(source)
                    var record = AuditRecord(.migrate)
                    record.reason = "moved to '\(printable(target, limit: 240))'"
                    try AuditLog.append(record, caller: caller, at: clock.now, keys: keys, db: source)
                    let (rows, verified) = try destination.fill(from: source, kek: keyCache.kek, progress: progress)
                    copyCommitted = true
                    return MigrationReport(
                        target: target, eventsChecked: verified.eventsChecked, credentialsChecked: verified.credentialsChecked ?? 0,
                        rowsCopied: rows
                    )
                }
            }
            return (report, destination.location)
        } catch {
            if copyCommitted {
                throw VaultError(
                    error.kind,
                    "the copy was committed and verified, but this vault's migrate event was not (\(error.message)): "
                        + "unless another process wrote to this vault since, use the copy",
                    hint: error.hint
                )
            }
            destination.discard()
            if destination.location.engine == .postgresql && error.kind == .unavailable {
                // A connection lost during the copy's COMMIT leaves its outcome unknown.
                throw VaultError(
                    .unavailable, "\(error.message); if it happened as the copy committed, the copy may be whole in the target",
                    hint: "`tokenvault --vault TARGET audit verify` tells: a whole copy ends with a migrate event this vault does not have"
                )
            }
            throw error
        }
    }

    /// Opens a committed copy at `target` with the key-encryption key `kek` as any vault is
    /// opened (its objects and header checked), runs `body` on it, and folds a new file's
    /// write-ahead log into the file; then removes the log, so that the file stays one file —
    /// only once folded (a fold that failed, on a full disk, leaves the copy in its log).
    static func withCopy<T>(
        at target: String, _ location: StoreLocation, kek: SymmetricKey, configuration: Configuration,
        _ body: (Vault) throws(VaultError) -> T
    ) throws(VaultError) -> T {
        let (value, folded) = try openedCopy(at: target, kek: kek, configuration: configuration, body)
        if case .file(let file) = location, folded { Files.removeWriteAheadFiles(of: file) }
        return value
    }

    /// ``withCopy(at:_:kek:configuration:_:)``'s open, body and fold, with the copy open only
    /// inside it.
    private static func openedCopy<T>(
        at target: String, kek: SymmetricKey, configuration: Configuration, _ body: (Vault) throws(VaultError) -> T
    ) throws(VaultError) -> (T, folded: Bool) {
        // The key source is not read: the key-encryption key is given.
        let copy = try open(at: target, key: .passphrase(Secret(copying: [])), configuration: configuration, kek: kek)
        let value = try body(copy)
        return (value, (try? copy.queue.withConnection { db in Records.foldWriteAheadLog(db) }) ?? false)
    }
}
