internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    // MARK: - Rotate

    /// Replaces a credential's secret with a new version.
    ///
    /// ```swift
    /// // The new ERP token, from the admin:
    /// try vault.rotate("erp-prod", from: .secret(newToken), policy: RotationPolicy(graceSeconds: 86_400))
    /// // Unattended, through a hook:
    /// try vault.rotate("erp-prod", from: .hook(RotationHook(command: "/etc/tokenvault/hooks/erp")))
    /// ```
    ///
    /// With a hook, the steps run in order, each committed with its audit event:
    /// 1. the credential's rotation lease is taken (a concurrent rotation gets
    ///    ``VaultError/Kind/busy``) and the current secret is handed to `create` on its stdin;
    /// 2. `create`'s output is stored as a *pending* version;
    /// 3. `test` gets the new secret on its stdin; on failure the pending version is revoked and
    ///    the current one stays untouched;
    /// 4. the pending version becomes current and the old one is retired per `policy`;
    /// 5. `finish` runs (no secret); its failure is reported but undoes nothing.
    ///
    /// A process killed between steps leaves the lease and, after step 2, a pending version;
    /// the next rotation takes the lease over (its owner is gone) and resumes at `test`, or
    /// starts afresh with `discardPending`.
    ///
    /// - Throws: ``VaultError/Kind/notFound``; ``VaultError/Kind/denied`` for a revoked
    ///   credential; ``VaultError/Kind/invalidInput`` for a source that does not fit the
    ///   credential (a secret for an issued token, minting for a stored one);
    ///   ``VaultError/Kind/busy`` when another rotation holds the lease;
    ///   ``VaultError/Kind/failed`` when a hook step fails.
    public func rotate(
        _ name: String,
        from source: RotationSource,
        policy: RotationPolicy = RotationPolicy(),
        discardPending: Bool = false
    ) throws(VaultError) -> RotationResult {
        let name = try Labels.name(name)
        try Rotation.validate(policy)
        switch source {
        case .secret(let secret):
            guard secret.count > 0, secret.count <= Secret.maximumByteCount else {
                throw .invalid("the secret must be 1 to \(Secret.maximumByteCount) bytes")
            }
            return try rotateDirectly(name, secret: secret, minted: false, policy: policy)
        case .mint:
            return try rotateDirectly(name, secret: IssuedTokenFormat.mint(), minted: true, policy: policy)
        case .hook(let hook):
            return try rotateWithHook(name, hook: hook, policy: policy, discardPending: discardPending, dueBefore: nil)
        }
    }

    /// Rotates a credential without a hook, the way `tokenvault rotate NAME` does: an issued
    /// token is minted anew; a stored one takes the secret `newSecret` returns. `newSecret` is
    /// called only for a stored credential, and before any lock is taken (it may prompt a person).
    ///
    /// - Throws: as ``rotate(_:from:policy:discardPending:)``, and whatever `newSecret` throws.
    ///   A missing credential is refused and audited.
    public func rotate(
        _ name: String,
        policy: RotationPolicy = RotationPolicy(),
        newSecretIfStored newSecret: () throws(VaultError) -> Secret
    ) throws(VaultError) -> RotationResult {
        let name = try Labels.name(name)
        let kind = try reading { db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator)?.credential.kind }
        switch kind {
        case .issued?:
            return try rotate(name, from: .mint, policy: policy)
        case .stored?:
            return try rotate(name, from: .secret(newSecret()), policy: policy)
        case nil:
            // Record the refusal through the same audited path as every other rotation.
            try audited(AuditRecord(.rotate, name: name)) { db, now, record in
                _ = try Rotation.loadRotatable(name, db, now: now, record: &record, stateAuthenticator)
                throw VaultError(.busy, "credential '\(printable(name))' appeared meanwhile; run the rotation again")
            }
            throw VaultError(.notFound, "no credential named '\(printable(name))'")
        }
    }

    /// Rotates every live credential that expires within `seconds` (expired ones included)
    /// through `hook`: the cron mode.
    ///
    /// Safe to run twice at once: a credential whose lease another run holds is skipped.
    /// Idempotent: a rotated credential's new expiry is past the window, so a second run finds
    /// nothing due. Issued tokens are skipped (their new token must be handed to someone).
    public func rotateExpiring(
        within seconds: Int64,
        hook: RotationHook,
        policy: RotationPolicy = RotationPolicy()
    ) throws(VaultError) -> [RotationReport] {
        let due = try reading { db, now in
            try db.rows(
                """
                SELECT name, kind FROM credentials WHERE deleted_at IS NULL AND revoked_at IS NULL
                AND expires_at <= ? ORDER BY expires_at, name
                """,
                [now + seconds]
            ).map { row in (row.string(0) ?? "", row.string(1) ?? "") }
        }
        let dueBefore = clock.now + seconds
        var reports: [RotationReport] = []
        for (name, kind) in due {
            guard kind == CredentialKind.stored.rawValue else {
                reports.append(RotationReport(name: name, outcome: .skipped("issued token: rotate it by hand to hand over the new token")))
                continue
            }
            do {
                try Rotation.validate(policy)
                let result = try rotateWithHook(name, hook: hook, policy: policy, discardPending: false, dueBefore: dueBefore)
                reports.append(RotationReport(name: name, outcome: .rotated(version: result.version)))
            } catch where error.kind == .busy {
                reports.append(RotationReport(name: name, outcome: .skipped(error.message)))
            } catch {
                reports.append(RotationReport(name: name, outcome: .failed(error.message), failureKind: error.kind))
            }
        }
        return reports
    }

    private func rotateDirectly(_ name: String, secret: Secret, minted: Bool, policy: RotationPolicy) throws(VaultError) -> RotationResult {
        let (credential, version) = try audited(AuditRecord(.rotate, name: name)) { db, now, record in
            let loaded = try Rotation.loadRotatable(name, db, now: now, record: &record, stateAuthenticator)
            let expected: CredentialKind = minted ? .issued : .stored
            guard loaded.credential.kind == expected else {
                throw VaultError.invalid(
                    minted
                        ? "credential '\(printable(name))' is a stored token: give its new secret on standard input"
                        : "credential '\(printable(name))' is an issued token: rotating it mints a new one (no secret on stdin)"
                )
            }
            try Rotation.claimLease(loaded.rowID, now: now, seconds: 60, db: db)
            let promoted = try changingState(of: loaded.rowID, db, &record) { _ in
                try Rotation.discardPending(loaded.rowID, db: db)
                return try Rotation.promote(loaded, newSecret: secret, pendingVersion: nil, policy: policy, now: now, keys: keys, db: db)
            }
            record.version = promoted.version
            record.reason = promoted.reason
            return try (Rotation.reload(loaded.rowID, db, stateAuthenticator, sealedBy: record.stateSeq), Int(promoted.version))
        }
        return RotationResult(credential: credential, version: version, mintedToken: minted ? secret : nil, resumed: false, finishFailure: nil)
    }

    /// - Parameter dueBefore: cron mode: rotate only if the credential still expires before this
    ///   time when its lease is taken (another run may have rotated it since the list was read).
    private func rotateWithHook(
        _ name: String, hook: RotationHook, policy: RotationPolicy, discardPending: Bool, dueBefore: UnixTime?
    ) throws(VaultError) -> RotationResult {
        let leaseSeconds = hook.timeoutSeconds * 3 + 30
        // 1. Claim the credential and read what the hook needs.
        let claim = try audited(AuditRecord(.rotate, name: name)) { db, now, record in
            let loaded = try Rotation.loadRotatable(name, db, now: now, record: &record, stateAuthenticator)
            guard loaded.credential.kind == .stored else {
                throw VaultError.invalid("credential '\(printable(name))' is an issued token: rotate it without a hook to mint a new one")
            }
            if let dueBefore, (loaded.credential.expiresAt ?? .max) > dueBefore {
                throw VaultError(.busy, "no longer due: another run rotated it")
            }
            try Rotation.claimLease(loaded.rowID, now: now, seconds: leaseSeconds, db: db)
            // Every row is checked before a secret is handed to the hook.
            let snapshot = try Rotation.snapshot(of: loaded, db, stateAuthenticator)
            var pendingVersion = snapshot.newest(.pending)
            if discardPending, pendingVersion != nil {
                try changingState(of: loaded.rowID, db, &record) { _ in try Rotation.discardPending(loaded.rowID, db: db) }
                pendingVersion = nil
            }
            let current = try Rotation.open(snapshot.newest(.current), of: loaded, keys: keys)
            let pending = try Rotation.open(pendingVersion, of: loaded, keys: keys)
            let next = pending?.version ?? snapshot.nextVersionNumber
            record.version = pending?.version ?? current?.version
            record.reason = pending.map { "resuming pending version \($0.version)" }
                ?? "create step: current version handed to the hook"
            return Rotation.Claim(loaded: loaded, current: current?.secret, pending: pending?.secret, nextVersion: next)
        }
        let runner = HookRunner(hook: hook, credential: claim.loaded.credential, version: claim.nextVersion)

        // 2. create → pending version.
        let newSecret: Secret
        if let pending = claim.pending {
            newSecret = pending
        } else {
            let created: Secret
            switch try runner.run(.create, input: claim.current) {
            case .failure(let failure):
                try recordFailedStep(claim, failure.description, revokePending: false)
                throw VaultError(.failed, "rotation of '\(printable(name))': \(failure.description)")
            case .success(let output):
                created = output.droppingTrailingNewline()
            }
            guard created.count > 0 else {
                try recordFailedStep(claim, "create step printed no secret", revokePending: false)
                throw VaultError(.failed, "rotation of '\(printable(name))': the create step printed no secret")
            }
            try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: name)) { db, now, record in
                try Rotation.checkStillRotatable(claim, db, stateAuthenticator)
                try changingState(of: claim.loaded.rowID, db, &record) { _ in
                    try SecretVersions.insert(
                        credential: claim.loaded.rowID, uid: claim.loaded.credential.id, version: claim.nextVersion,
                        state: .pending, secret: created, fingerprint: keys.fingerprint(of: created), now: now, keys: keys, db: db
                    )
                }
                record.version = claim.nextVersion
                record.reason = "create step done: pending version \(claim.nextVersion)"
            }
            newSecret = created
        }

        // 3. test: a failure leaves the current version untouched. A revoke since the claim
        // stops the rotation before the new secret is handed out.
        _ = try reading { db, _ in try Rotation.checkStillRotatable(claim, db, stateAuthenticator) }
        if case .failure(let failure) = try runner.run(.test, input: newSecret) {
            try recordFailedStep(claim, "\(failure.description); version \(claim.loaded.credential.currentVersion ?? 0) stays current", revokePending: true)
            throw VaultError(.failed, "rotation of '\(printable(name))': \(failure.description); the current version is untouched")
        }

        // 4. promote.
        let credential = try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: name)) { db, now, record in
            let loaded = try Rotation.checkStillRotatable(claim, db, stateAuthenticator)
            let promoted = try changingState(of: loaded.rowID, db, &record) { _ in
                try Rotation.promote(
                    loaded, newSecret: newSecret, pendingVersion: claim.nextVersion, policy: policy, now: now, keys: keys, db: db
                )
            }
            record.version = promoted.version
            record.reason = "test step passed; " + promoted.reason
            return try Rotation.reload(loaded.rowID, db, stateAuthenticator, sealedBy: record.stateSeq)
        }

        // 5. finish: informational; the rotation stands whatever it does.
        var finishFailure: String?
        if case .failure(let failure) = try runner.run(.finish, input: nil) {
            finishFailure = failure.description
            try audited(AuditRecord(.rotate, credentialID: credential.id, name: name)) { _, _, record in
                record.outcome = .error
                record.version = claim.nextVersion
                record.reason = failure.description + " (version \(claim.nextVersion) is current all the same)"
            }
        }
        return RotationResult(
            credential: credential, version: Int(claim.nextVersion), mintedToken: nil,
            resumed: claim.pending != nil, finishFailure: finishFailure
        )
    }

    /// Records a failed step: revokes the pending version when asked, releases the lease, and
    /// audits the failure with outcome `error` (committed).
    private func recordFailedStep(_ claim: Rotation.Claim, _ reason: String, revokePending: Bool) throws(VaultError) {
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { db, _, record in
            if revokePending {
                try changingState(of: claim.loaded.rowID, db, &record) { _ in try Rotation.discardPending(claim.loaded.rowID, db: db) }
            }
            try db.execute("DELETE FROM rotation_leases WHERE credential_id = ?", [claim.loaded.rowID])
            record.outcome = .error
            record.version = claim.nextVersion
            record.reason = reason
        }
    }

    // MARK: - Revoke one version

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
                throw Refusal(error: VaultError(.notFound, "credential '\(printable(name))' has no version \(version)"), outcome: .denied, reason: "no such version")
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
                    try db.execute("UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND version = ?", [loaded.rowID, version])
                }
            }
        }
    }

    // MARK: - Connection test

    /// Runs a connection test: the hook gets the current secret on its standard
    /// input (`TOKENVAULT_STEP=test`) and exits 0 when the connection works. The result and its
    /// time are kept on the credential (``Credential/lastTest``) and audited.
    ///
    /// - Throws: ``VaultError/Kind/notFound``; ``VaultError/Kind/denied`` for a revoked,
    ///   expired or issued credential. A failing test is not an error: see the result.
    public func testConnection(_ name: String, hook: RotationHook) throws(VaultError) -> ConnectionTestResult {
        let name = try Labels.name(name)
        let (loaded, secret) = try audited(AuditRecord(.test, name: name)) { db, now, record in
            let authenticator = stateAuthenticator
            guard let loaded = try CredentialRecords.live(named: name, db, authenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            try Vault.checkUsable(loaded.credential, need: .any, now: now)
            guard loaded.credential.kind == .stored,
                let current = try Rotation.open(SecretVersions.readCurrent(of: loaded, db, authenticator), of: loaded, keys: keys)
            else {
                throw Refusal.denied("credential '\(printable(name))' is an issued token: there is no stored secret to test", reason: "issued token has no stored secret")
            }
            record.version = current.version
            record.reason = "current version handed to the test hook"
            return (loaded, current.secret)
        }
        let runner = HookRunner(hook: hook, credential: loaded.credential, version: Int64(loaded.credential.currentVersion ?? 0))
        let outcome = try runner.run(.test, input: secret)
        let detail: String
        switch outcome {
        case .success: detail = "passed"
        case .failure(let failure): detail = failure.detail
        }
        let passed = detail == "passed"
        return try audited(AuditRecord(.test, credentialID: loaded.credential.id, name: name)) { db, now, record in
            try changingState(of: loaded.rowID, db, &record) { _ in
                try db.execute(
                    "UPDATE credentials SET last_test_at = ?, last_test_ok = ?, last_test_detail = ? WHERE id = ?",
                    [now, passed, detail, loaded.rowID]
                )
            }
            record.outcome = passed ? .ok : .error
            record.reason = passed ? "connection test passed" : "connection test failed: \(detail)"
            return ConnectionTestResult(passed: passed, detail: detail, testedAt: now)
        }
    }

    // MARK: - Expiry

    /// Live, unrevoked credentials that are expired, expire within `within` seconds, or never
    /// expire, most urgent first.
    ///
    /// - Parameters:
    ///   - within: the warning window (the CLI's default is 60 days, as GitLab warns).
    ///   - critical: expiring within this is ``ExpiryStatus/critical`` (default 7 days).
    public func expiring(within: Int64, critical: Int64) throws(VaultError) -> [ExpiringCredential] {
        guard within > 0, critical >= 0 else { throw .invalid("the expiry windows must be positive") }
        let now = clock.now
        let credentials = try reading { db, _ in
            try CredentialRecords.all(
                where: "c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at <= ?)", [now + within], selective: true, db,
                stateAuthenticator
            )
        }
        let entries = credentials.map { credential -> ExpiringCredential in
            guard let expiresAt = credential.credential.expiresAt else {
                return ExpiringCredential(credential: credential.credential, status: .never, secondsLeft: nil)
            }
            let left = expiresAt - now
            let status: ExpiryStatus = left <= 0 ? .expired : left <= critical ? .critical : .warning
            return ExpiringCredential(credential: credential.credential, status: status, secondsLeft: left)
        }
        return entries.sorted { ($0.secondsLeft ?? .max, $0.credential.name) < ($1.secondsLeft ?? .max, $1.credential.name) }
    }
}

/// The building blocks of rotation, shared by every source.
enum Rotation {
    struct Claim: Sendable {
        let loaded: CredentialRecords.Loaded
        let current: Secret?
        let pending: Secret?
        let nextVersion: Int64
    }

    static func validate(_ policy: RotationPolicy) throws(VaultError) {
        if let grace = policy.graceSeconds, grace <= 0 || grace > TimeFormat.maximumDuration {
            throw .invalid("the grace period must be positive and within 100 years")
        }
    }

    /// A live, unrevoked credential; refusals are audited.
    static func loadRotatable(
        _ name: String, _ db: Connection, now: UnixTime, record: inout AuditRecord, _ authenticator: StateAuthenticator
    ) throws -> CredentialRecords.Loaded {
        guard let loaded = try CredentialRecords.live(named: name, db, authenticator) else { throw Vault.Refusal.notFound(name) }
        record.credentialID = loaded.credential.id
        if loaded.credential.revokedAt != nil {
            throw Vault.Refusal.denied("credential '\(printable(name))' is revoked", reason: "revoked")
        }
        return loaded
    }

    /// Takes the credential's rotation lease, or throws ``VaultError/Kind/busy`` when a live
    /// rotation holds it. A lease whose owner is gone, or whose time ran out, is taken over.
    static func claimLease(_ rowID: Int64, now: UnixTime, seconds: Int64, db: Connection) throws {
        if let lease = try db.row("SELECT owner_host, owner_pid, lease_until FROM rotation_leases WHERE credential_id = ?", [rowID]),
            let host = lease.string(0), let pid = lease.int64(1), let until = lease.int64(2),
            until > now, ProcessIdentity.isAlive(host: host, pid: pid)
        {
            throw VaultError(.busy, "another rotation of this credential is in progress (pid \(pid) on \(host))")
        }
        try db.execute(
            "INSERT OR REPLACE INTO rotation_leases (credential_id, owner_host, owner_pid, started_at, lease_until) VALUES (?, ?, ?, ?, ?)",
            [rowID, ProcessIdentity.host, ProcessIdentity.pid, now, now + seconds]
        )
    }

    /// Every row of a claimed credential, checked.
    static func snapshot(
        of loaded: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> CredentialSnapshot {
        guard let snapshot = try CredentialSnapshot.load(rowID: loaded.rowID, db, authenticator) else {
            throw StateViolation(table: "credentials", credential: loaded.stored.label, problem: .missing)
        }
        return snapshot
    }

    /// The claimed credential as it is now, checked, while the rotation may go on: still live,
    /// not revoked, and its lease still held by this process.
    ///
    /// - Throws: ``VaultError/Kind/denied`` when it was revoked or deleted since the claim (a
    ///   revoke wins over a rotation under way); ``VaultError/Kind/busy`` when the lease was taken over.
    @discardableResult
    static func checkStillRotatable(_ claim: Claim, _ db: Connection, _ authenticator: StateAuthenticator) throws -> CredentialRecords.Loaded {
        guard let loaded = try CredentialRecords.byRowID(claim.loaded.rowID, db, authenticator),
            loaded.stored.deletedAt == nil, loaded.credential.revokedAt == nil
        else {
            throw VaultError(.denied, "credential '\(printable(claim.loaded.credential.name))' was revoked or deleted during its rotation")
        }
        try checkLeaseHeld(claim.loaded.rowID, db: db)
        return loaded
    }

    /// Throws ``VaultError/Kind/busy`` unless this process still holds the lease.
    static func checkLeaseHeld(_ rowID: Int64, db: Connection) throws {
        let lease = try db.row("SELECT owner_host, owner_pid FROM rotation_leases WHERE credential_id = ?", [rowID])
        guard lease?.string(0) == ProcessIdentity.host, lease?.int64(1) == ProcessIdentity.pid else {
            throw VaultError(.busy, "the rotation lease was taken over by another process")
        }
    }

    /// Revokes a pending version left by an interrupted rotation.
    static func discardPending(_ rowID: Int64, db: Connection) throws {
        try db.execute("UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND state = 'pending'", [rowID])
    }

    static func nextVersionNumber(_ rowID: Int64, db: Connection) throws -> Int64 {
        (try db.row("SELECT max(version) FROM secret_versions WHERE credential_id = ?", [rowID])?.int64(0) ?? 0) + 1
    }

    /// Decrypts a checked version of a stored credential, or returns nil for none (or one
    /// without a ciphertext).
    static func open(
        _ version: StoredVersion?, of loaded: CredentialRecords.Loaded, keys: Keyring
    ) throws -> (version: Int64, secret: Secret)? {
        guard let version, let keyID = version.keyID, let ciphertext = version.ciphertext else { return nil }
        do {
            let secret = try SecretVersions.open(
                ciphertext: ciphertext, keyID: keyID, uid: loaded.credential.id, version: version.version, keys: keys
            )
            return (version.version, secret)
        } catch {
            throw Vault.Refusal(error: error, outcome: .error, reason: "integrity check failed")
        }
    }

    /// Makes the new secret current: retires the old current version per `policy`, stores the
    /// new version (or promotes the pending one), sets the new expiry, and releases the lease.
    static func promote(
        _ loaded: CredentialRecords.Loaded,
        newSecret: Secret,
        pendingVersion: Int64?,
        policy: RotationPolicy,
        now: UnixTime,
        keys: Keyring,
        db: Connection
    ) throws -> (version: Int64, reason: String) {
        let rowID = loaded.rowID
        let current = try db.row("SELECT version, created_at FROM secret_versions WHERE credential_id = ? AND state = 'current'", [rowID])
        let newVersion = try pendingVersion ?? nextVersionNumber(rowID, db: db)
        // Earlier previous versions: those past their deadline retire, and so do those waiting
        // for the first use of the version being replaced now (that use can no longer come).
        try db.execute(
            """
            UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND state = 'previous'
            AND (valid_until <= ? OR retire_on_first_use_of IS NOT NULL)
            """,
            [rowID, now]
        )
        var reason = "version \(newVersion) current"
        if let oldVersion = current?.int64(0) {
            if policy.graceSeconds != nil || policy.retireAfterFirstUse {
                let until = policy.graceSeconds.map { now + $0 }
                try db.execute(
                    "UPDATE secret_versions SET state = 'previous', valid_until = ?, retire_on_first_use_of = ? WHERE credential_id = ? AND version = ?",
                    [until, policy.retireAfterFirstUse ? newVersion : nil, rowID, oldVersion]
                )
                var retirement: [String] = []
                if let until { retirement.append("until \(TimeFormat.iso8601(until))") }
                if policy.retireAfterFirstUse { retirement.append("until version \(newVersion) is first used") }
                reason += "; version \(oldVersion) previous " + retirement.joined(separator: " or ")
            } else {
                try db.execute("UPDATE secret_versions SET state = 'revoked' WHERE credential_id = ? AND version = ?", [rowID, oldVersion])
                reason += "; version \(oldVersion) revoked"
            }
        }
        if let pendingVersion {
            try db.execute("UPDATE secret_versions SET state = 'current', created_at = ? WHERE credential_id = ? AND version = ? AND state = 'pending'", [now, rowID, pendingVersion])
            guard db.changes == 1 else { throw VaultError(.integrity, "the pending version vanished during rotation") }
        } else {
            let isStored = loaded.credential.kind == .stored
            try SecretVersions.insert(
                credential: rowID, uid: loaded.credential.id, version: newVersion, state: .current,
                secret: isStored ? newSecret : nil, fingerprint: keys.fingerprint(of: newSecret), now: now, keys: keys, db: db
            )
        }
        let expiry = try newExpiry(loaded.credential, currentCreatedAt: current?.int64(1), policy: policy, now: now)
        try db.execute("UPDATE credentials SET expires_at = ? WHERE id = ?", [expiry, rowID])
        try db.execute("DELETE FROM rotation_leases WHERE credential_id = ?", [rowID])
        return (newVersion, reason)
    }

    /// The rotated credential's expiry: the policy's, or the same lifetime as the old version had.
    static func newExpiry(_ credential: Credential, currentCreatedAt: UnixTime?, policy: RotationPolicy, now: UnixTime) throws -> UnixTime? {
        var expiry: UnixTime?
        if let explicit = policy.expiry {
            var template = NewCredential(name: credential.name, scope: credential.scope, expiry: explicit)
            template.isLegacy = credential.isLegacy
            expiry = try template.expiryTime(createdAt: now)
        } else if let expiresAt = credential.expiresAt {
            let lifetime = expiresAt - (currentCreatedAt ?? credential.createdAt)
            expiry = now + max(lifetime, 3_600)
        }
        if credential.kind == .issued {
            guard let chosen = expiry else { throw VaultError.invalid("issued tokens must expire (at most 180 days)") }
            expiry = min(chosen, now + Vault.maximumIssuedLifetime)
        }
        return expiry
    }

    /// The credential as this operation left it, sealed under its event `sealedBy`.
    static func reload(_ rowID: Int64, _ db: Connection, _ authenticator: StateAuthenticator, sealedBy: Int64?) throws -> Credential {
        guard let loaded = try CredentialRecords.byRowID(rowID, db, authenticator, sealedBy: sealedBy) else {
            throw VaultError(.failed, "the credential vanished")
        }
        return loaded.credential
    }
}
