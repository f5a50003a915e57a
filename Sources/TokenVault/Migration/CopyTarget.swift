internal import TokenVaultCrypto
internal import TokenVaultStore
internal import TokenVaultSystem

/// Where ``VaultCopy`` writes a whole vault: a new file, or an empty PostgreSQL schema. Made
/// ready before the source is read, filled and verified in one transaction, and removed (a new
/// file) when anything fails.
struct CopyTarget {
    let location: StoreLocation
    private let queue: DatabaseQueue

    /// Makes `text` ready to receive a copy: a new file (mode 0600, in a folder that exists) with the
    /// vault's empty tables; or a PostgreSQL schema checked to hold nothing (the tables are made
    /// in the copy's transaction).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an invalid location, something at the path,
    ///   a schema that holds tables; ``VaultError/Kind/failed`` when the file cannot be created (a
    ///   missing folder); the store's errors as ``VaultError``s.
    init(_ text: String, configuration: Vault.Configuration) throws(VaultError) {
        location = try StoreLocation(vault: text)
        if case .file(let file) = location {
            try system { () throws(SystemError) in try Files.requireNoSymbolicLink(file) }
            guard Files.kind(at: file) == .missing else { throw .invalid("something already exists at '\(printable(file))'") }
            try system { () throws(SystemError) in try Files.createPrivateFile(file) }
        }
        // The copy commits before the source does: always durably.
        var durable = configuration
        durable.durableCommits = true
        do {
            queue = try Vault.openQueue(location, configuration: durable)
            switch location.engine {
            case .sqlite: _ = try Vault.mapErrors { try Vault.migrator(for: .sqlite).migrate(queue) }
            // Refused here, before the source is read or locked (a schema that holds the source
            // itself would wait for its lock); checked again inside the copy's transaction.
            case .postgresql: try Vault.mapErrors { try queue.read { db in try PostgresVaultCatalog.read(db) } }.require(creating: true)
            }
        } catch {
            Self.discard(location)
            throw error
        }
    }

    /// Copies the vault `source` reads into the target in one transaction, and verifies the copy
    /// before it commits (``verify(_:against:kek:)``); `progress` as ``VaultCopy/copy(from:to:progress:)``.
    ///
    /// - Returns: the rows copied and the copy's verification.
    /// - Throws: ``VaultError/Kind/integrity`` when the copy does not verify (nothing is
    ///   committed); the store's errors.
    func fill(
        from source: Connection, kek: SymmetricKey, progress: ((Int64) -> Void)? = nil
    ) throws -> (rows: Int64, report: AuditReport) {
        try queue.write { copy in
            if location.engine == .postgresql {
                try PostgresVaultCatalog.read(copy).require(creating: true)
                try Vault.migrator(for: .postgresql).migrate(inTransaction: copy)
            }
            let copied = try VaultCopy.copy(from: source, to: copy, progress: progress)
            let report = try Self.verify(copy, against: source, kek: kek)
            // The source's session is alive (and, on PostgreSQL, its writer lock still held) as
            // the copy commits: a session lost during the check fails the copy here.
            _ = try source.row("SELECT 1")
            return (copied.values.reduce(0, +), report)
        }
    }

    /// Removes a new file (and its write-ahead files); a schema's tables were never committed.
    func discard() { Self.discard(location) }

    private static func discard(_ location: StoreLocation) {
        if case .file(let file) = location { Files.removeVaultFiles(file) }
    }

    /// Checks a copy inside its uncommitted transaction: its keys unwrap with `kek`, it holds
    /// only the vault's objects, every table as many rows as the source's, and its trail and
    /// state verify.
    ///
    /// - Throws: ``VaultError/Kind/integrity`` naming the first problem; the store's errors.
    private static func verify(_ copy: Connection, against source: Connection, kek: SymmetricKey) throws -> AuditReport {
        let keys = try Keyring.unlock(copy, meta: try VaultMeta.read(copy), kek: kek)
        if let object = try SchemaObjects.unexpected(copy).first {
            throw VaultError(.integrity, "the copy holds an object TokenVault did not create (\(printable(object))): nothing was committed")
        }
        let counts = try VaultCopy.rowCounts(copy)
        let expected = try VaultCopy.rowCounts(source)
        if let table = VaultCopy.tables.first(where: { counts[$0.name] != expected[$0.name] }) {
            throw VaultError(.integrity, "the copy's table \(table.name) does not hold the vault's rows: nothing was committed")
        }
        let chain = try AuditChainWalker.walk(copy, vaultID: keys.vaultID, auditKey: keys.auditKey)
        let report = AuditReport(chain: chain, state: try StateVerifier.check(copy, keys: keys))
        if let problem = report.problem {
            throw VaultError(
                .integrity, "the copy does not verify (\(problem.description)): nothing was committed",
                hint: "run `tokenvault audit verify` on the vault"
            )
        }
        return report
    }
}
