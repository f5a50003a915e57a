internal import TokenVaultCrypto
internal import TokenVaultStore

/// Rotation through a hook: one audited transaction per step, in the order
/// claim → create → test → promote → finish (docs/rotation-hooks.md), and with a protocol-2
/// hook the steps that close tokens at the issuer: `rollback` of a pending token that failed its
/// test or was discarded, and `finish` with the replaced token.
extension Vault {
    /// Rotates `name` through the hook of `session`, resuming a pending version left by an
    /// interrupted run.
    ///
    /// - Parameter dueBefore: cron mode: rotate only if the credential still expires before this
    ///   time when its lease is taken (another run may have rotated it since the list was read).
    func rotateWithHook(
        _ name: String, session: HookSession, policy: RotationPolicy, discardPending: Bool, dueBefore: UnixTime?
    ) throws(VaultError) -> RotationResult {
        let hook = session.hook
        // Every row of the credential is checked before the hook runs at all, even its probe.
        _ = try reading { db, _ in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { return }
            _ = try CredentialSnapshot.load(rowID: loaded.rowID, db, stateAuthenticator)
        }
        let protocolVersion = try session.protocolVersion()
        let claim = try claimForHook(
            name, leaseSeconds: hook.timeoutSeconds * 3 + 30, protocolVersion: protocolVersion, policy: policy,
            discardPending: discardPending, dueBefore: dueBefore
        )
        var runner = HookRunner(
            hook: hook, protocolVersion: protocolVersion, credential: claim.loaded.credential,
            context: HookContext(
                version: claim.nextVersion, previousVersion: claim.currentVersion, expiresAt: claim.intendedExpiry,
                upstreamID: claim.pendingUpstream?.id, previousUpstreamID: claim.currentUpstream?.id
            )
        )
        let created: CreatedToken
        if let pending = claim.pending {
            created = CreatedToken(secret: pending, upstreamID: claim.pendingUpstream?.id, expiresAt: claim.pendingUpstream?.expiresAt)
        } else {
            created = try createPendingVersion(claim, runner: runner, session: session)
            runner.context.upstreamID = created.upstreamID
        }
        try testPendingVersion(claim, created.secret, runner: runner, session: session)
        let credential = try promotePendingVersion(claim, created, policy: policy, owesFinish: protocolVersion == .two)
        var issuerSteps: [IssuerStepResult] = []
        let finishFailure: String?
        if protocolVersion == .two {
            issuerSteps = try settleIssuerSteps(ofRowID: claim.loaded.rowID, session: session)
            finishFailure = issuerSteps.first { $0.step == .finish && $0.isFailure }.map { "\($0)" }
        } else {
            finishFailure = try runFinishStep(claim, runner: runner)
        }
        return RotationResult(
            credential: credential, version: Int(claim.nextVersion), mintedToken: nil,
            resumed: claim.pending != nil, finishFailure: finishFailure, issuerSteps: issuerSteps
        )
    }

    /// Step 1: takes the credential's lease, checks every row of it, and reads what the hook
    /// needs: the current secret, and a pending one to resume (unless `discardPending`, which
    /// revokes it and, for a protocol-2 hook, makes it owe its issuer a `rollback`, run once this
    /// rotation has released the lease).
    private func claimForHook(
        _ name: String, leaseSeconds: Int64, protocolVersion: HookProtocol, policy: RotationPolicy, discardPending: Bool,
        dueBefore: UnixTime?
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
                try changingState(of: loaded.rowID, db, &record) { _ in
                    try Rotation.discardPending(loaded.rowID, db: db, owesRollback: protocolVersion == .two)
                }
                pendingVersion = nil
            }
            let currentVersion = snapshot.newest(.current)
            let current = try Rotation.open(currentVersion, of: loaded, keys: keys)
            let pending = try Rotation.open(pendingVersion, of: loaded, keys: keys)
            record.version = pending?.version ?? current?.version
            record.reason = pending.map { "resuming pending version \($0.version)" } ?? "create step: current version handed to the hook"
            return Rotation.Claim(
                loaded: loaded, current: current?.secret, pending: pending?.secret,
                nextVersion: pending?.version ?? snapshot.nextVersionNumber, currentVersion: currentVersion?.version,
                currentUpstream: currentVersion?.upstream, pendingUpstream: pendingVersion?.upstream,
                intendedExpiry: intended
            )
        }
    }

    /// Step 2: runs `create` with the current secret and stores its output as the pending
    /// version. A failure, or no output, is recorded and thrown; nothing is stored. Output a
    /// protocol-2 hook printed wrongly after a secret is stored and then rolled back, as a
    /// failed test is: the issuer has minted that token.
    private func createPendingVersion(_ claim: Rotation.Claim, runner: HookRunner, session: HookSession) throws(VaultError) -> CreatedToken {
        let name = claim.loaded.credential.name
        let output: Secret
        switch try runner.run(.create, input: claim.current) {
        case .failure(let failure):
            try recordFailedStep(claim, failure.description, revokePending: false)
            throw VaultError(.failed, "rotation of '\(printable(name))': \(failure.description)")
        case .success(let printed):
            output = printed
        }
        let parsed = CreatedToken.parse(output, protocolVersion: runner.protocolVersion, now: clock.now)
        let created: CreatedToken
        var unusableReason: String?
        switch parsed {
        case .success(let token):
            created = token
        case .failure(let unusable):
            let reason = unusable.reason
            guard runner.protocolVersion == .two, case .success(let bare) = CreatedToken.parse(output, protocolVersion: HookProtocol.one, now: 0),
                let firstLine = Self.firstLine(of: bare.secret)
            else {
                try recordFailedStep(claim, reason, revokePending: false)
                throw VaultError(.failed, "rotation of '\(printable(name))': the \(reason)")
            }
            created = CreatedToken(secret: firstLine, upstreamID: nil, expiresAt: nil)
            unusableReason = reason
        }
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: name)) { db, now, record in
            try Rotation.checkStillRotatable(claim, db, stateAuthenticator)
            try changingState(of: claim.loaded.rowID, db, &record) { _ in
                try SecretVersions.insert(
                    credential: claim.loaded.rowID, uid: claim.loaded.credential.id, version: claim.nextVersion,
                    state: .pending, secret: created.secret, fingerprint: keys.fingerprint(of: created.secret), now: now, keys: keys, db: db
                )
                try SecretVersionTable.recordUpstream(
                    db, credential: claim.loaded.rowID, version: claim.nextVersion, id: created.upstreamID, expiresAt: created.expiresAt
                )
            }
            record.version = claim.nextVersion
            record.reason = "create step done: pending version \(claim.nextVersion)"
            if let expiresAt = created.expiresAt {
                record.reason! += ", expires \(TimeFormat.iso8601(expiresAt)) at the issuer"
                // The issuer's word is recorded as it is; the trail says when it breaks a policy.
                let credential = claim.loaded.credential
                if let issuer = credential.issuer, let policy = try IssuerPolicies.policy(of: IssuerPolicy.key(of: issuer), db, stateAuthenticator),
                    policy.isBroken(legacy: credential.isLegacy, createdAt: now, expiresAt: expiresAt)
                {
                    record.reason! += "; over issuer '\(policy.issuer)''s policy (\(IssuerPolicies.reason(policy, replacing: nil)))"
                }
            }
        }
        if let unusableReason {
            try rollBack(claim, because: unusableReason, session: session)
        }
        return created
    }

    /// The secret's first line, when it has more than one.
    private static func firstLine(of secret: Secret) -> Secret? {
        let length = secret.bytes.withUnsafeBytes { raw in raw.firstIndex(of: UInt8(ascii: "\n")) ?? raw.count }
        return length > 0 ? Secret(secret.bytes.slice(0..<length)) : nil
    }

    /// Step 3: runs `test` with the new secret. A revoke since the claim stops the rotation
    /// before the secret is handed out; a failure revokes the pending version, leaves the current
    /// one untouched and, with a protocol-2 hook, rolls the new token back at its issuer.
    private func testPendingVersion(
        _ claim: Rotation.Claim, _ newSecret: Secret, runner: HookRunner, session: HookSession
    ) throws(VaultError) {
        _ = try reading { db, _ in try Rotation.checkStillRotatable(claim, db, stateAuthenticator) }
        guard case .failure(let failure) = try runner.run(.test, input: newSecret) else { return }
        try rollBack(claim, because: failure.description, session: session)
    }

    /// Revokes the pending version (owing its issuer a rollback, for a protocol-2 hook), runs the
    /// rollback, and throws.
    private func rollBack(_ claim: Rotation.Claim, because reason: String, session: HookSession) throws(VaultError) -> Never {
        let current = claim.currentVersion ?? 0
        let owesRollback = try session.protocolVersion() == .two
        try recordFailedStep(claim, "\(reason); version \(current) stays current", revokePending: true, owesRollback: owesRollback)
        var message = "rotation of '\(printable(claim.loaded.credential.name))': \(reason); the current version is untouched"
        if owesRollback {
            let steps = try settleIssuerSteps(ofRowID: claim.loaded.rowID, session: session)
            if let failed = steps.first(where: { $0.step == .rollback && $0.isFailure }) { message += "; \(failed)" }
        }
        throw VaultError(.failed, message)
    }

    /// Step 4: makes the pending version current and retires the old one per `policy`; the
    /// credential takes the new token's expiry from its issuer when the hook reported one.
    private func promotePendingVersion(
        _ claim: Rotation.Claim, _ created: CreatedToken, policy: RotationPolicy, owesFinish: Bool
    ) throws(VaultError) -> Credential {
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { db, now, record in
            let loaded = try Rotation.checkStillRotatable(claim, db, stateAuthenticator)
            let promoted = try changingState(of: loaded.rowID, db, &record) { snapshot in
                try Rotation.promote(
                    loaded, newSecret: created.secret, pendingVersion: claim.nextVersion, policy: policy,
                    issuerExpiry: snapshot.version(claim.nextVersion)?.upstream.expiresAt, owesFinish: owesFinish,
                    now: now, keys: keys, db: db
                )
            }
            record.version = promoted.version
            record.reason = "test step passed; " + promoted.reason
            return try Rotation.reload(loaded.rowID, db, stateAuthenticator, sealedBy: record.stateSeq)
        }
    }

    /// Step 5, protocol 1: runs `finish` (no secret). Informational: the rotation stands
    /// whatever it does; a failure is audited and returned.
    private func runFinishStep(_ claim: Rotation.Claim, runner: HookRunner) throws(VaultError) -> String? {
        guard case .failure(let failure) = try runner.run(.finish, input: nil) else { return nil }
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { _, _, record in
            record.outcome = .error
            record.version = claim.nextVersion
            record.reason = failure.description + " (version \(claim.nextVersion) is current all the same)"
        }
        return failure.description
    }

    /// Records a failed step: revokes the pending version when asked (owing its issuer a
    /// rollback when asked), releases the lease, and audits the failure with outcome `error`.
    private func recordFailedStep(
        _ claim: Rotation.Claim, _ reason: String, revokePending: Bool, owesRollback: Bool = false
    ) throws(VaultError) {
        try audited(AuditRecord(.rotate, credentialID: claim.loaded.credential.id, name: claim.loaded.credential.name)) { db, _, record in
            if revokePending {
                try changingState(of: claim.loaded.rowID, db, &record) { _ in
                    try Rotation.discardPending(claim.loaded.rowID, db: db, owesRollback: owesRollback)
                }
            }
            try RotationLeaseTable.release(db, credential: claim.loaded.rowID)
            record.outcome = .error
            record.version = claim.nextVersion
            record.reason = reason + (owesRollback ? "; rollback step owed for version \(claim.nextVersion)" : "")
        }
    }
}
