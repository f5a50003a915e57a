internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
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
            try hook.validate()
            return try rotateWithHook(name, session: HookSession(hook), policy: policy, discardPending: discardPending, dueBefore: nil)
        case .ownHook(let timeoutSeconds):
            guard let command = try reading({ db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator)?.credential.hook }) else {
                throw .invalid("credential '\(printable(name))' has no hook of its own: give --hook, or add one with edit --hook")
            }
            let hook = RotationHook(command: command, timeoutSeconds: timeoutSeconds)
            try hook.validate()
            return try rotateWithHook(name, session: HookSession(hook), policy: policy, discardPending: discardPending, dueBefore: nil)
        }
    }

    /// Rotates a credential the way `tokenvault rotate NAME` without `--hook` does: an issued
    /// token is minted anew; a stored one with its own hook is rotated through it; another stored
    /// one takes the secret `newSecret` returns. `newSecret` is called only for the last, and
    /// before any lock is taken (it may prompt a person).
    ///
    /// - Throws: as ``rotate(_:from:policy:discardPending:)``, and whatever `newSecret` throws.
    ///   A missing credential is refused and audited.
    public func rotate(
        _ name: String,
        policy: RotationPolicy = RotationPolicy(),
        newSecretIfStored newSecret: () throws(VaultError) -> Secret
    ) throws(VaultError) -> RotationResult {
        let name = try Labels.name(name)
        let credential = try reading { db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator)?.credential }
        switch credential?.kind {
        case .issued?:
            return try rotate(name, from: .mint, policy: policy)
        case .stored? where credential?.hook != nil:
            return try rotate(name, from: .ownHook(timeoutSeconds: 60), policy: policy)
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

    /// Rotates every live credential that expires within `seconds` (expired ones included), each
    /// through `hook` or, without one, through its own hook: the cron mode. Then runs the steps
    /// that versions of any credential still owe their issuers (rollbacks, finishes and revokes
    /// that failed or were deferred), through the same hooks.
    ///
    /// ```swift
    /// let run = try vault.rotateExpiring(within: 7 * 86_400, hook: nil)
    /// if run.hasFailures { exit(1) }
    /// ```
    ///
    /// Safe to run twice at once: a credential whose lease another run holds is skipped.
    /// Idempotent: a rotated credential's new expiry is past the window, so a second run finds
    /// nothing due. Issued tokens are skipped (their new token must be handed to someone), and
    /// so are credentials with no hook to use.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` before anything runs when `hook`, or the own
    ///   hook of a credential this run would use, does not resolve to an executable file.
    public func rotateExpiring(
        within seconds: Int64,
        hook: RotationHook?,
        policy: RotationPolicy = RotationPolicy(),
        hookTimeoutSeconds: Int64 = 60
    ) throws(VaultError) -> RotationRun {
        try hook?.validate()
        try Rotation.validate(policy)
        let (due, owing) = try reading { db, now in
            (try CredentialTable.dueForRotation(db, before: now + seconds), try SecretVersionTable.credentialsOwingSteps(db))
        }
        let dueBefore = clock.now + seconds
        // One session per command, so that each hook is probed once per run.
        var sessions: [String: HookSession] = [:]
        func session(for credential: Credential) throws(VaultError) -> HookSession? {
            let chosen = hook ?? credential.hook.map { RotationHook(command: $0, timeoutSeconds: hookTimeoutSeconds) }
            guard let chosen else { return nil }
            if let known = sessions[chosen.command] { return known }
            try chosen.validate()
            let new = HookSession(chosen)
            sessions[chosen.command] = new
            return new
        }
        var candidates: [(String, Credential?)] = []
        for name in due {
            // Revoked, kind: decided on the checked row. A row that fails its check is reported
            // (an integrity failure) and the run goes on with the others.
            do {
                guard let loaded = try reading({ db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator) }),
                    loaded.credential.revokedAt == nil
                else { continue }
                candidates.append((name, loaded.credential))
                _ = try session(for: loaded.credential)
            } catch let error where error.kind == .invalidInput {
                throw error
            } catch {
                candidates.append((name, nil))
            }
        }
        var reports: [RotationReport] = []
        for (name, credential) in candidates {
            guard let credential else {
                do {
                    _ = try reading { db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator) }
                    reports.append(RotationReport(name: name, outcome: .skipped("changed during the run")))
                } catch {
                    reports.append(RotationReport(name: name, outcome: .failed(error.message), failureKind: error.kind))
                }
                continue
            }
            guard credential.kind == .stored else {
                reports.append(RotationReport(name: name, outcome: .skipped("issued token: rotate it by hand to hand over the new token")))
                continue
            }
            guard let session = try session(for: credential) else {
                reports.append(RotationReport(name: name, outcome: .skipped("no hook: give --hook, or add one with edit --hook")))
                continue
            }
            do {
                let result = try rotateWithHook(name, session: session, policy: policy, discardPending: false, dueBefore: dueBefore)
                reports.append(RotationReport(name: name, outcome: .rotated(version: result.version)))
            } catch let error where error.kind == .busy {
                reports.append(RotationReport(name: name, outcome: .skipped(error.message)))
            } catch {
                reports.append(RotationReport(name: name, outcome: .failed(error.message), failureKind: error.kind))
            }
        }
        var issuerSteps: [IssuerStepResult] = []
        for rowID in owing {
            do {
                let credential = try reading { db, _ in try CredentialRecords.byRowID(rowID, db, stateAuthenticator)?.credential }
                guard let credential else { continue }
                issuerSteps += try settleIssuerSteps(ofRowID: rowID, session: session(for: credential))
            } catch let error where error.kind == .invalidInput {
                throw error
            } catch {
                reports.append(RotationReport(name: "#\(rowID)", outcome: .failed(error.message), failureKind: error.kind))
            }
        }
        return RotationRun(rotations: reports, issuerSteps: issuerSteps)
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
            // A pending version left by an interrupted hook rotation is discarded. One the issuer
            // reported on (protocol 2: its id or expiry) exists there: its rollback step is owed,
            // and run by the next rotation with a hook, as after a failed test step.
            let pending = try Rotation.snapshot(of: loaded, db, stateAuthenticator).newest(.pending)
            let owesRollback = pending.map { $0.upstream.id != nil || $0.upstream.expiresAt != nil } ?? false
            let promoted = try changingState(of: loaded.rowID, db, &record) { _ in
                try Rotation.discardPending(loaded.rowID, db: db, owesRollback: owesRollback)
                return try Rotation.promote(loaded, newSecret: secret, pendingVersion: nil, policy: policy, now: now, keys: keys, db: db)
            }
            record.version = promoted.version
            record.reason = promoted.reason + (owesRollback ? "; rollback step owed for version \(pending?.version ?? 0)" : "")
            return try (Rotation.reload(loaded.rowID, db, stateAuthenticator, sealedBy: record.stateSeq), Int(promoted.version))
        }
        return RotationResult(credential: credential, version: version, mintedToken: minted ? secret : nil, resumed: false, finishFailure: nil)
    }
}
