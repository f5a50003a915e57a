/// One credential as the admin report lists it: the credential, its findings, and its rotation
/// work. Never holds a secret.
///
/// ```swift
/// try vault.report(listing: [.flagged]) { overview in print(overview.credentialCount) } each: { _, item in
///     print(item.credential.name, item.flags.map(\.rawValue).joined(separator: ","))
/// }
/// ```
public struct ReportedCredential: Sendable {
    /// The credential, checked as every read of the vault checks it.
    public let credential: Credential
    /// Its findings, in the order of ``ReportFlag/allCases``; empty for a revoked credential.
    public let flags: [ReportFlag]
    /// The version a rotation created and has not promoted yet (waiting for its test), if any.
    public let pending: SecretVersion?
    /// The rotation steps that wait on this credential's versions, in version order.
    ///
    /// The vault does not record waiting steps yet, so this is empty; the report's renderings
    /// already show the list, so that recording them is a change here only.
    public let waitingSteps: [WaitingRotationStep]

    package init(credential: Credential, flags: [ReportFlag], pending: SecretVersion?, waitingSteps: [WaitingRotationStep] = []) {
        self.credential = credential
        self.flags = flags
        self.pending = pending
        self.waitingSteps = waitingSteps
    }
}

/// A rotation step that waits on one secret version (to roll back, to finish, to revoke).
public struct WaitingRotationStep: Sendable, Hashable {
    /// The version the step waits on.
    public let version: Int
    /// The step, as the rotation names it (`finish`, `rollback`, `revoke`).
    public let step: String
    /// Since when it waits.
    public let since: UnixTime

    package init(version: Int, step: String, since: UnixTime) {
        self.version = version
        self.step = step
        self.since = since
    }
}
