internal import TokenVaultSystem

/// How the previous version is retired when a credential is rotated.
///
/// - no grace, no first-use rule: the previous version is revoked at once;
/// - `graceSeconds`: it stays valid (for `verify`, and `get --version`) until the deadline;
/// - `retireAfterFirstUse`: it stays valid until the new version is first fetched or verified
///   (automation that still holds the old token keeps working until the new one is picked up);
/// - both: whichever comes first.
public struct RotationPolicy: Sendable, Equatable {
    public var graceSeconds: Int64?
    public var retireAfterFirstUse: Bool
    /// The new version's expiry; nil keeps the credential's lifetime (a 90-day token rotated
    /// today expires 90 days from today; a never-expiring one stays so).
    public var expiry: NewCredential.Expiry?

    public init(graceSeconds: Int64? = nil, retireAfterFirstUse: Bool = false, expiry: NewCredential.Expiry? = nil) {
        self.graceSeconds = graceSeconds
        self.retireAfterFirstUse = retireAfterFirstUse
        self.expiry = expiry
    }
}

/// A rotation hook: a command run once per step, with secrets only on its standard input
/// (docs/rotation-hooks.md).
public struct RotationHook: Sendable {
    /// Run as `/bin/sh -c COMMAND`.
    public var command: String
    /// Each step is killed (with its process group) after this long.
    public var timeoutSeconds: Int64

    public init(command: String, timeoutSeconds: Int64 = 60) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    /// Refuses a command whose program does not resolve to an executable file, before anything
    /// runs: a typo in a cron line fails at once, not on the day a token is due.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` naming no more than the command's shape.
    public func validate() throws(VaultError) {
        try RotationHook.validate(command: command)
    }

    /// Checks a hook command: 1 to 1,000 characters without control characters, whose program
    /// resolves to an executable file.
    static func validate(command: String) throws(VaultError) {
        let command = try Labels.label(command, what: "hook command", limit: 1_000)
        guard Executables.commandResolves(command) else {
            throw .invalid(
                "the hook command's program is not an executable file",
                hint: "give a path to an executable script, or a program on PATH"
            )
        }
    }
}

/// Where a rotation's new secret comes from.
public enum RotationSource: Sendable {
    /// A secret the caller supplies (the new ERP token, typed or piped).
    case secret(Secret)
    /// A new token minted by the vault (issued credentials only); returned once.
    case mint
    /// A hook: `create` prints the new secret, `test` checks it, `finish` runs once it is current.
    case hook(RotationHook)
    /// The credential's own hook (``Credential/hook``), each step killed after `timeoutSeconds`.
    case ownHook(timeoutSeconds: Int64)
}

/// What a rotation did.
public struct RotationResult: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(
        credential: Credential, version: Int, mintedToken: Secret?, resumed: Bool, finishFailure: String?,
        issuerSteps: [IssuerStepResult] = []
    ) {
        self.credential = credential
        self.version = version
        self.mintedToken = mintedToken
        self.resumed = resumed
        self.finishFailure = finishFailure
        self.issuerSteps = issuerSteps
    }

    /// The credential after rotation.
    public let credential: Credential
    /// The new current version.
    public let version: Int
    /// The minted token, for ``RotationSource/mint`` only. Shown once.
    public let mintedToken: Secret?
    /// Whether a pending version left by an interrupted rotation was resumed.
    public let resumed: Bool
    /// Set when the `finish` step failed: the new version is current all the same.
    public let finishFailure: String?
    /// With a protocol-2 hook: the steps run at the issuer after the rotation (the replaced
    /// token's `finish`, and earlier steps still owed).
    public let issuerSteps: [IssuerStepResult]
}

/// One credential's line in a cron-mode rotation.
public struct RotationReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        case rotated(version: Int)
        /// Another run holds the credential's rotation lease, or it cannot be rotated by a hook.
        case skipped(String)
        case failed(String)
    }

    public let name: String
    public let outcome: Outcome
    /// For a failure: its kind (``VaultError/Kind/integrity`` for tampered or stale state, which
    /// a cron job should treat apart from a failing hook).
    public let failureKind: VaultError.Kind?

    init(name: String, outcome: Outcome, failureKind: VaultError.Kind? = nil) {
        self.name = name
        self.outcome = outcome
        self.failureKind = failureKind
    }
}

/// What a cron-mode run did: a line per due credential, and the steps owed to issuers that it
/// ran or left waiting.
public struct RotationRun: Sendable {
    public let rotations: [RotationReport]
    public let issuerSteps: [IssuerStepResult]

    /// Whether anything failed: a rotation, or a step at an issuer.
    public var hasFailures: Bool {
        rotations.contains { if case .failed = $0.outcome { true } else { false } } || issuerSteps.contains(where: \.isFailure)
    }
}

/// A connection test's result.
public struct ConnectionTestResult: Sendable, Hashable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(passed: Bool, detail: String, testedAt: UnixTime) {
        self.passed = passed
        self.detail = detail
        self.testedAt = testedAt
    }

    public let passed: Bool
    /// `passed`, or why not (`exit status 3`, `timed out`).
    public let detail: String
    public let testedAt: UnixTime
}

/// How close a credential is to its expiry, as `expiring` reports it.
public enum ExpiryStatus: String, Sendable, CaseIterable {
    case expired, critical, warning
    /// Never expires: listed and flagged, but not due.
    case never
}

/// One line of ``Vault/expiring(within:critical:)``.
public struct ExpiringCredential: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(credential: Credential, status: ExpiryStatus, secondsLeft: Int64?) {
        self.credential = credential
        self.status = status
        self.secondsLeft = secondsLeft
    }

    public let credential: Credential
    public let status: ExpiryStatus
    /// Seconds to expiry (negative once expired); nil for never-expiring credentials.
    public let secondsLeft: Int64?

    /// GitLab's notice levels: the smallest of 7, 30 and 60 days that the time left is within
    /// (0 once expired); nil beyond 60 days or for never-expiring credentials.
    public var noticeDays: Int? {
        guard let secondsLeft else { return nil }
        if secondsLeft <= 0 { return 0 }
        return [7, 30, 60].first { Int64($0) * 86_400 >= secondsLeft }
    }
}
