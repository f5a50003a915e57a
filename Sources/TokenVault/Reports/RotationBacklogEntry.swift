/// A version that a rotation left half-way (``SecurityReport/rotationBacklog``,
/// ``ReportOverview/rotationBacklog``): a pending version, or one that owes its issuer a hook
/// step.
public struct RotationBacklogEntry: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(name: String, version: Int, state: VersionState, waiting: WaitingStep?) {
        self.name = name
        self.version = version
        self.state = state
        self.waiting = waiting
    }

    /// The credential's name, or its id once revoked and deleted.
    public let name: String
    public let version: Int
    public let state: VersionState
    /// The hook step it owes its issuer, if any (else it is a pending version).
    public let waiting: WaitingStep?
}
