internal import TokenVaultCrypto
internal import TokenVaultStore

/// Rotation through a hook: one audited transaction per step, in the order
/// claim → create → test → promote → finish (docs/rotation-hooks.md).
extension Vault {
    /// Rotates `name` through `hook`, resuming a pending version left by an interrupted run.
    ///
    /// - Parameter dueBefore: cron mode: rotate only if the credential still expires before this
    ///   time when its lease is taken (another run may have rotated it since the list was read).
    func rotateWithHook(
        _ name: String, hook: RotationHook, policy: RotationPolicy, discardPending: Bool, dueBefore: UnixTime?
    ) throws(VaultError) -> RotationResult {
        let claim = try claimForHook(
            name, leaseSeconds: hook.timeoutSeconds * 3 + 30, discardPending: discardPending, dueBefore: dueBefore, policy: policy
        )
        let runner = HookRunner(hook: hook, credential: claim.loaded.credential, version: claim.nextVersion)
        let newSecret: Secret
        if let pending = claim.pending { newSecret = pending } else { newSecret = try createPendingVersion(claim, runner: runner) }
        try testPendingVersion(claim, newSecret, runner: runner)
        let credential = try promotePendingVersion(claim, newSecret, policy: policy)
        let finishFailure = try runFinishStep(claim, runner: runner)
        return RotationResult(
            credential: credential, version: Int(claim.nextVersion), mintedToken: nil,
            resumed: claim.pending != nil, finishFailure: finishFailure
        )
    }

    /// Step 1: takes the credential's lease, checks every row of it, and reads what the hook
    /// needs: the current secret, and a pending one to resume (unless `discardPending`).
    private func claimForHook(
        _ name: String, leaseSeconds: Int64, discardPending: Bool, dueBefore: UnixTime?, policy: RotationPolicy
    ) throws(VaultError) -> Rotation.Claim {
        try audited(AuditRecord(.rotate, name: name)) { db, now, record in
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
            // The issuer's policy is checked against the intended expiry before the hook creates anything.
            let intended = try Rotation.newExpiry(
                loaded.credential, currentCreatedAt: snapshot.newest(.current)?.createdAt, policy: policy, now: now
            )
            try IssuerPolicies.enforce(on: loaded.credential, createdAt: now, expiresAt: intended, keys: keys, db: db)
            var pendingVersion = snapshot.newest(.pending)
            if discardPending, pendingVersion != nil {
                try changingState(of: loaded.rowID, db, &record) { _ in try Rotation.discardPending(loaded.rowID, db: db) }
                pendingVersion = nil
            }
            let current = try Rotation.open(snapshot.newest(.current), of: loaded, keys: keys)
            let pending = try Rotation.open(pendingVersion, of: loaded, keys: keys)
            record.version = pending?.version ?? current?.version
            record.reason = pending.map { "resuming pending version \($0.version)" } ?? "create step: current version handed to the hook"
            return Rotation.Claim(
                loaded: loaded, current: current?.secret, pending: pending?.secret, nextVersion: pending?.version ?? snapshot.nextVersionNumber
            )
        }
    }

    /// Step 2: runs `create` with the current secret and stores its output as the pending
    /// version. A failure, or no output, is recorded and thrown; nothing is stored.
    private func createPendingVersion(_ claim: Rotation.Claim, runner: HookRunner) throws(VaultError) -> Secret {
        let name = claim.loaded.credential.name
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
        return created
    }

    /// Step 3: runs `test` with the new secret. A revoke since the claim stops the rotation
    /// before the secret is handed out; a failure revokes the pending version and leaves the
    /// current one untouched.
    private func testPendingVersion(_ claim: Rotation.Claim, _ newSecret: Secret, runner: HookRunner) throws(VaultError) {
        _ = try reading { db, _ in try Rotation.checkStillRotatable(claim, db, stateAuthenticator) }
        guard case .failure(let failure) = try runner.run(.test, input: newSecret) else { return }
        let current = claim.loaded.credential.currentVersion ?? 0
        try recordFailedStep(claim, "\(failure.description); version \(current) stays current", revokePending: true)
        throw VaultError(
            .failed, "rotation of '\(printable(claim.loaded.credential.name))': \(failure.description); the current version is untouched"
        )
    }

    /// Step 4: makes the pending version current and retires the old one per `policy`.
    private func promotePendingVersion(_ claim: Rotation.Claim, _ newSecret: Secret, policy: RotationPolicy) throws(VaultError) -> Credential {
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { db, now, record in
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
    }

    /// Step 5: runs `finish` (no secret). Informational: the rotation stands whatever it does;
    /// a failure is audited and returned.
    private func runFinishStep(_ claim: Rotation.Claim, runner: HookRunner) throws(VaultError) -> String? {
        guard case .failure(let failure) = try runner.run(.finish, input: nil) else { return nil }
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { _, _, record in
            record.outcome = .error
            record.version = claim.nextVersion
            record.reason = failure.description + " (version \(claim.nextVersion) is current all the same)"
        }
        return failure.description
    }

    /// Records a failed step: revokes the pending version when asked, releases the lease, and
    /// audits the failure with outcome `error` (committed).
    private func recordFailedStep(_ claim: Rotation.Claim, _ reason: String, revokePending: Bool) throws(VaultError) {
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { db, _, record in
            if revokePending {
                try changingState(of: claim.loaded.rowID, db, &record) { _ in try Rotation.discardPending(claim.loaded.rowID, db: db) }
            }
            try RotationLeaseTable.release(db, credential: claim.loaded.rowID)
            record.outcome = .error
            record.version = claim.nextVersion
            record.reason = reason
        }
    }
}
