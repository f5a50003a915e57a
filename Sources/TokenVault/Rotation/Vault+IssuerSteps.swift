internal import TokenVaultCrypto
internal import TokenVaultStore

/// One hook step run, or left waiting, to close a token at its issuer.
public struct IssuerStepResult: Sendable, Equatable, CustomStringConvertible {
    public enum Outcome: Sendable, Equatable {
        /// The hook confirmed the token closed.
        case done
        /// The step failed (an exit status or a time-out); it stays owed and is retried.
        case failed(String)
        /// The step was not run, and stays owed: why (no hook, a protocol-1 hook, another run
        /// holds the credential's lease).
        case waiting(String)
    }

    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(name: String, version: Int, step: UpstreamStep, outcome: Outcome) {
        self.name = name
        self.version = version
        self.step = step
        self.outcome = outcome
    }

    /// The credential's name (its id once deleted).
    public let name: String
    public let version: Int
    public let step: UpstreamStep
    public let outcome: Outcome

    public var isFailure: Bool {
        if case .failed = outcome { true } else { false }
    }

    public var description: String {
        let subject = "\(step.rawValue) step of '\(printable(name))' version \(version)"
        switch outcome {
        case .done: return subject + ": done"
        case .failed(let detail): return subject + " failed (\(detail)); it is retried by the next rotation run"
        case .waiting(let why): return subject + " waiting: \(why)"
        }
    }
}

extension StoredVersion {
    /// Whether the step this version owes can run at `now`: a `finish` waits until the vault no
    /// longer accepts the version (its grace period, or the first use of its replacement).
    func owedStepIsDue(at now: UnixTime) -> Bool {
        guard let owed = upstream.owed else { return false }
        return owed != .finish || !isUsable(at: now)
    }

    /// The step it owes, as `show` reports it.
    func waitingStep(at now: UnixTime) -> WaitingStep? {
        upstream.owed.map { step in
            WaitingStep(step: step, attempts: Int(upstream.attempts), lastFailure: upstream.detail, isDue: owedStepIsDue(at: now))
        }
    }
}

/// A hook and the protocol it speaks, probed at most once per run.
final class HookSession {
    let hook: RotationHook
    private var probed: HookProtocol?

    init(_ hook: RotationHook, protocolVersion: HookProtocol? = nil) {
        self.hook = hook
        self.probed = protocolVersion
    }

    func protocolVersion() throws(VaultError) -> HookProtocol {
        if let probed { return probed }
        let answer = try HookProtocol.probe(hook)
        probed = answer
        return answer
    }
}

extension Vault {
    /// Runs every due step that the versions of credential `rowID` owe their issuer, through
    /// `session` (nil: none available), each as three commits: the secret handed to the hook
    /// (audited, under the credential's rotation lease), the hook run, and its result (the step
    /// cleared, or the failed attempt counted), so that a crash anywhere leaves the step owed.
    ///
    /// Steps go to protocol-2 hooks only. The secret on the hook's standard input is the
    /// version's own: the pending token for `rollback`, the replaced one for `finish`, the
    /// revoked one for `revoke`.
    func settleIssuerSteps(ofRowID rowID: Int64, session: HookSession?) throws(VaultError) -> [IssuerStepResult] {
        let (label, owed) = try reading { db, now in
            guard let snapshot = try CredentialSnapshot.load(rowID: rowID, db, stateAuthenticator) else {
                return ("", [(Int64, UpstreamStep)]())
            }
            let due = snapshot.versions.filter { $0.owedStepIsDue(at: now) }
            return (snapshot.credential.label, due.compactMap { version in version.upstream.owed.map { (version.version, $0) } })
        }
        var results: [IssuerStepResult] = []
        for (version, step) in owed {
            let outcome: IssuerStepResult.Outcome
            if let session {
                outcome =
                    try session.protocolVersion() == .two
                    ? try runIssuerStep(step, version: version, rowID: rowID, hook: session.hook)
                    : .waiting("its hook speaks protocol 1, which has no \(step.rawValue) step")
            } else {
                outcome = .waiting("no hook: give the credential one (edit --hook) or run rotate with --hook")
            }
            results.append(IssuerStepResult(name: label, version: Int(version), step: step, outcome: outcome))
        }
        return results
    }

    /// Runs one owed step: hands the version's secret to the hook, then records the result.
    private func runIssuerStep(
        _ step: UpstreamStep, version: Int64, rowID: Int64, hook: RotationHook
    ) throws(VaultError) -> IssuerStepResult.Outcome {
        let action: AuditAction = step == .revoke ? .revoke : .rotate
        let handOut: (Credential, Secret, HookContext)?
        do {
            handOut = try audited(AuditRecord(action)) { db, now, record in
                guard let snapshot = try CredentialSnapshot.load(rowID: rowID, db, stateAuthenticator),
                    let loaded = try CredentialRecords.byRowID(rowID, db, stateAuthenticator),
                    let owed = snapshot.version(version), owed.upstream.owed == step, owed.owedStepIsDue(at: now)
                else { return nil }
                record.credentialID = snapshot.credential.uid
                record.credentialName = snapshot.credential.name
                record.version = version
                guard let secret = try Rotation.open(owed, of: loaded, keys: keys)?.secret else { return nil }
                try Rotation.claimLease(rowID, now: now, seconds: hook.timeoutSeconds + 30, db: db)
                record.reason = "\(step.rawValue) step: version \(version) handed to the hook"
                let current = snapshot.newest(.current)
                var context = HookContext(version: version, previousVersion: current?.version, expiresAt: owed.upstream.expiresAt)
                context.upstreamID = owed.upstream.id
                context.previousUpstreamID = current?.upstream.id
                if step == .finish, let current {
                    // finish is about the new version, which replaced this one.
                    context = HookContext(
                        version: current.version, previousVersion: version, expiresAt: loaded.credential.expiresAt,
                        upstreamID: current.upstream.id, previousUpstreamID: owed.upstream.id
                    )
                }
                return (loaded.credential, secret, context)
            }
        } catch let error where error.kind == .busy {
            return .waiting("another rotation of this credential is in progress")
        }
        guard let (credential, secret, context) = handOut else { return .done }
        let runner = HookRunner(hook: hook, protocolVersion: .two, credential: credential, context: context)
        let failure: String?
        switch try runner.run(HookRunner.Step(step), input: secret) {
        case .success: failure = nil
        case .failure(let stepFailure): failure = stepFailure.detail
        }
        try audited(AuditRecord(action, credentialID: credential.id, name: credential.name)) { db, now, record in
            record.version = version
            try changingState(of: rowID, db, &record) { _ in
                if let failure {
                    try SecretVersionTable.recordFailedAttempt(db, credential: rowID, version: version, detail: failure)
                } else {
                    try SecretVersionTable.settle(db, credential: rowID, version: version, at: now)
                }
            }
            try Rotation.releaseLeaseIfHeld(rowID, db: db)
            record.outcome = failure == nil ? .ok : .error
            record.reason =
                failure.map { "\(step.rawValue) step failed (\($0)); version \(version) still owes it" }
                ?? "\(step.rawValue) step done: version \(version) closed at the issuer"
        }
        return failure.map { .failed($0) } ?? .done
    }
}
