/// A hook step that closes a token at its issuer (hook protocol 2).
public enum UpstreamStep: String, Sendable, CaseIterable {
    /// Deletes a pending token that failed its test or was discarded.
    case rollback
    /// Revokes a replaced token once the vault no longer accepts it.
    case finish
    /// Revokes a token revoked in the vault.
    case revoke
}

/// A hook step a secret version still owes its issuer: recorded in the transaction that made it
/// due, cleared in the one that records its success, and retried by every later rotation run
/// until then.
///
/// ```swift
/// for version in try vault.show("erp-prod").versions {
///     if let waiting = version.waiting { print("version \(version.number): \(waiting)") }
/// }
/// ```
public struct WaitingStep: Sendable, Hashable, CustomStringConvertible {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(step: UpstreamStep, attempts: Int, lastFailure: String?, isDue: Bool) {
        self.step = step
        self.attempts = attempts
        self.lastFailure = lastFailure
        self.isDue = isDue
    }

    public let step: UpstreamStep
    /// Failed attempts so far.
    public let attempts: Int
    /// How the last attempt failed (an exit status or a time-out; never output of the hook).
    public let lastFailure: String?
    /// False for a `finish` that waits for its version to stop being valid in the vault (the
    /// end of a grace period, or the first use of the version that replaced it).
    public let isDue: Bool

    public var description: String {
        var text = "\(step.rawValue) " + (isDue ? "waiting" : "deferred until the version is no longer valid")
        if attempts > 0 { text += " (\(attempts) failed attempt\(attempts == 1 ? "" : "s")" + (lastFailure.map { ", last: \($0)" } ?? "") + ")" }
        return text
    }
}
