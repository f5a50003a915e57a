internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    /// A refusal that is itself an audited outcome: the event is committed, then the error thrown.
    struct Refusal: Error {
        let error: VaultError
        let outcome: AuditOutcome
        let reason: String

        static func notFound(_ name: String) -> Refusal {
            Refusal(error: VaultError(.notFound, "no credential named '\(printable(name))'"), outcome: .denied, reason: "not found")
        }

        /// The audited reason of a refusal, for wrapping it in another message.
        static func reason(of error: any Error) -> String { (error as? Refusal)?.reason ?? "refused" }

        static func denied(_ message: String, reason: String) -> Refusal {
            Refusal(error: VaultError(.denied, message), outcome: .denied, reason: reason)
        }
    }

    /// Runs `body` in a write transaction and appends `record` as its audit event.
    ///
    /// - `body` returns: the event is appended with outcome `ok`; all commits together.
    /// - `body` throws a ``Refusal``, or a ``StateViolation`` (tampered or stale state): whatever
    ///   it wrote is rolled back (to the savepoint the write runs in), the event with the
    ///   refusal's outcome and reason is appended and committed, and then its error is thrown.
    /// - anything else is thrown: everything rolls back, no event (fail-closed).
    ///
    /// Operations called at the same time from several threads share one transaction and one
    /// commit (``DatabaseQueue/groupedWrite(_:)``); each still commits or vanishes with its own
    /// event, and none returns before the commit holding its event has finished.
    func audited<T: Sendable>(
        _ record: AuditRecord,
        _ body: (Connection, UnixTime, inout AuditRecord) throws -> T
    ) throws(VaultError) -> T {
        let caller = caller
        let result: Result<T, VaultError> = try Vault.mapErrors {
            try queue.groupedWrite { db, savepoint in
                try keyCache.refresh(db)
                let now = clock.now
                var record = record
                do {
                    try caller.authorize(record.action)
                    let value = try body(db, now, &record)
                    try AuditLog.append(record, caller: caller, at: now, keys: keys, db: db)
                    return .success(value)
                } catch {
                    guard let refusal = Refusal(auditing: error) else { throw error }
                    try savepoint.rollBack()
                    record.stateSeq = nil
                    record.outcome = refusal.outcome
                    record.reason = refusal.reason
                    try AuditLog.append(record, caller: caller, at: now, keys: keys, db: db)
                    return .failure(refusal.error)
                }
            }
        }
        return try result.get()
    }

    /// Runs a read-only query in a consistent snapshot.
    ///
    /// A row that fails its authentication (``StateViolation``) fails the read with
    /// ``VaultError/Kind/integrity``, and the refusal is audited as a `read` event.
    func reading<T: Sendable>(_ body: (Connection, UnixTime) throws -> T) throws(VaultError) -> T {
        let outcome: Result<T, StateViolation> = try Vault.mapErrors {
            try queue.read { db in
                try keyCache.refresh(db)
                do {
                    return .success(try body(db, clock.now))
                } catch let violation as StateViolation {
                    return .failure(violation)
                }
            }
        }
        switch outcome {
        case .success(let value):
            return value
        case .failure(let violation):
            // Best effort: the refusal stands even when the event cannot be written.
            _ = try? audited(AuditRecord(.read)) { _, _, record in
                record.outcome = .error
                record.credentialName = violation.credential
                record.reason = violation.reason
            }
            throw violation.vaultError
        }
    }

    /// Commits of audited operations so far (this process, this vault), and the operations they
    /// held: many threads calling at once share commits, and `writes / groups` is the mean group.
    public var commitTotals: (groups: Int, writes: Int) { queue.commitTotals }

    /// Refuses, with an audited `read` event, a principal that may not read the service's
    /// metrics (admins and principals allowed `metrics` may).
    public func authorizeMetrics() throws(VaultError) {
        guard let principal = caller.principal, !principal.mayReadMetrics else { return }
        try audited(AuditRecord(.read)) { _, _, _ throws in
            throw Refusal.denied("principal '\(printable(principal.name))' may not read the metrics", reason: "metrics not allowed")
        }
    }

    /// Refuses, with an audited `read` event, what only admins may read (the trail, reports,
    /// principals) to a principal that is not one. A declared caller holds the key: it may.
    func requireAdmin() throws(VaultError) {
        guard let principal = caller.principal, !principal.isAdmin else { return }
        try audited(AuditRecord(.read)) { _, _, _ throws in throw Caller.notAdmin(principal) }
    }

    // MARK: - Changing authenticated state

    /// Inside an audited operation: checks every row of the credential with row id `rowID`,
    /// runs `change`, and seals the credential's rows as they then stand under the operation's
    /// event, which is marked as changing state.
    ///
    /// - Throws: ``StateViolation`` when a row fails its check (nothing is changed), or what
    ///   `change` throws.
    func changingState<T>(
        of rowID: Int64, _ db: Connection, _ record: inout AuditRecord, _ change: (CredentialSnapshot) throws -> T
    ) throws -> T {
        let authenticator = stateAuthenticator
        guard let snapshot = try CredentialSnapshot.load(rowID: rowID, db, authenticator) else {
            throw StateViolation(table: "credentials", credential: record.credentialName, problem: .missing)
        }
        let value = try change(snapshot)
        try sealState(of: rowID, db, &record)
        return value
    }

    /// Inside an audited operation: seals the rows of the credential with row id `rowID` under
    /// the operation's event. For rows the operation has just written (a new credential), or
    /// checked itself (``changingState(of:_:_:_:)``).
    func sealState(of rowID: Int64, _ db: Connection, _ record: inout AuditRecord) throws {
        let seq = try AuditLog.nextSequence(db)
        try StateSealer.reseal(rowID: rowID, seq: seq, db, stateAuthenticator)
        record.stateSeq = seq
    }

    /// Turns any failure into a ``VaultError`` whose message holds no bound value.
    static func mapErrors<T>(_ body: () throws -> T) throws(VaultError) -> T {
        do {
            return try body()
        } catch let error as VaultError {
            throw error
        } catch let error as StoreError {
            throw VaultError(store: error)
        } catch let violation as StateViolation {
            throw violation.vaultError
        } catch let refusal as Migrator.Refusal {
            switch refusal {
            case .newerSchema(let found, let supported):
                throw VaultError(
                    .integrity,
                    "this vault has schema version \(found), newer than this tokenvault supports (\(supported))",
                    hint: "upgrade tokenvault to open it"
                )
            case .checksumMismatch(let version):
                throw VaultError(.integrity, "schema migration \(version) recorded in the vault differs from this tokenvault's")
            }
        } catch is CryptoError {
            throw VaultError(.failed, "a cryptographic operation failed")
        } catch {
            throw VaultError(.failed, "unexpected failure")
        }
    }

    static func randomBytes(_ count: Int) throws(VaultError) -> [UInt8] {
        do { return try Random.bytes(count) } catch { throw .failed("the random generator failed") }
    }

    static func generateKey() throws(VaultError) -> SymmetricKey {
        do { return try SymmetricKey.generate() } catch { throw .failed("the random generator failed") }
    }
}

extension Vault.Refusal {
    /// The refusal `error` stands for, when it is one to audit: a refusal, or tampered or stale
    /// state (recorded with outcome `error` and what failed); nil for anything else.
    init?(auditing error: any Error) {
        if let refusal = error as? Vault.Refusal {
            self = refusal
        } else if let violation = error as? StateViolation {
            self.init(error: violation.vaultError, outcome: .error, reason: violation.reason)
        } else {
            return nil
        }
    }
}
