/// Whether a credential's secret is kept by the vault or only its hash.
public enum CredentialKind: String, Sendable {
    /// A token issued by another system (an ERP's PAT), stored encrypted; `fetch` returns it.
    case stored
    /// A token minted by this vault; only a keyed hash is kept, and `verify` checks it.
    case issued
}

/// The state of a credential at a given time.
public enum CredentialState: String, Sendable, CaseIterable {
    /// Usable: neither revoked nor expired.
    case active
    /// Its expiry has passed.
    case expired
    /// Revoked: refused from then on.
    case revoked
}

/// The state of one secret version.
public enum VersionState: String, Sendable {
    case current, previous, pending, revoked
}

/// What a new credential is: its name, scope, expiry and labels. The secret is passed apart.
///
/// ```swift
/// var new = try NewCredential(name: "erp-prod", scope: Scope([Grant(parsing: "shop:orders:r")]))
/// new.expiry = .at(try TimeFormat.parseDate("2027-03-01"))
/// new.issuer = "xentral"
/// ```
public struct NewCredential: Sendable {
    /// When a credential stops being valid.
    public enum Expiry: Sendable, Equatable {
        /// At this time.
        case at(UnixTime)
        /// This long after creation.
        case after(seconds: Int64)
        /// Never: flagged on every report.
        case never
    }

    public var name: String
    public var scope: Scope
    public var expiry: Expiry
    /// A legacy token: unlimited rights (`*:*:crud`) and no expiry, as old ERP PATs.
    public var isLegacy: Bool
    public var description: String?
    /// The system that issued the token ("xentral").
    public var issuer: String?
    /// The API base URL the token is for (the instance URL plus `/api`).
    public var apiURL: String?
    /// The hook that rotates, tests and revokes it when a command names none (stored tokens
    /// only; run as `/bin/sh -c HOOK`; its program must be an executable file).
    public var hook: String?

    /// A scoped credential.
    public init(name: String, scope: Scope, expiry: Expiry) {
        self.name = name
        self.scope = scope
        self.expiry = expiry
        self.isLegacy = false
    }

    /// A legacy token: unlimited rights, never expires.
    public static func legacy(name: String) -> NewCredential {
        var new = NewCredential(name: name, scope: Scope(trusted: [.unlimited]), expiry: .never)
        new.isLegacy = true
        return new
    }

    /// Checks the name and labels, so that a caller can refuse bad input before it asks a
    /// person for the secret. ``Vault/add(_:secret:)`` checks again.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` naming the first bad field.
    public func validate() throws(VaultError) {
        _ = try validated()
    }

    /// The checked name and labels.
    func validated() throws(VaultError) -> (name: String, description: String?, issuer: String?, apiURL: String?) {
        let labels = try NewCredential.validatedLabels(description: description, issuer: issuer, apiURL: apiURL)
        return (try Labels.name(name), labels.description, labels.issuer, labels.apiURL)
    }

    /// Checked labels, each nil when not given.
    static func validatedLabels(description: String?, issuer: String?, apiURL: String?) throws(VaultError) -> (
        description: String?, issuer: String?, apiURL: String?
    ) {
        (
            try description.map { text throws(VaultError) in try Labels.label(text, what: "description", limit: 500) },
            try issuer.map { text throws(VaultError) in try Labels.label(text, what: "issuer", limit: 50) },
            try apiURL.map { text throws(VaultError) in try Labels.url(text) }
        )
    }

    func expiryTime(createdAt now: UnixTime) throws(VaultError) -> UnixTime? {
        switch expiry {
        case .never:
            return nil
        case .after(let seconds):
            guard seconds > 0, seconds <= TimeFormat.maximumDuration else {
                throw .invalid("expiry must be in the future and within 100 years")
            }
            return now + seconds
        case .at(let time):
            guard time > now else {
                throw .invalid("expiry \(TimeFormat.iso8601(time)) is not in the future")
            }
            return time
        }
    }
}

/// A credential as `list` and `show` see it. Never holds a secret.
public struct Credential: Sendable, Hashable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(
        id: String, name: String, kind: CredentialKind, isLegacy: Bool, scope: Scope, description: String?, issuer: String?,
        apiURL: String?, createdAt: UnixTime, expiresAt: UnixTime?, revokedAt: UnixTime?, lastUsedAt: UnixTime?, lastUsedBy: String?,
        currentVersion: Int?, lastTest: ConnectionTestResult?, hook: String? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.isLegacy = isLegacy
        self.scope = scope
        self.description = description
        self.issuer = issuer
        self.apiURL = apiURL
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.lastUsedBy = lastUsedBy
        self.currentVersion = currentVersion
        self.lastTest = lastTest
        self.hook = hook
    }

    /// Immutable id (`cred_…`); survives renames and deletion, so the audit trail stays continuous.
    public let id: String
    public let name: String
    public let kind: CredentialKind
    public let isLegacy: Bool
    public let scope: Scope
    public let description: String?
    public let issuer: String?
    public let apiURL: String?
    public let createdAt: UnixTime
    /// nil: never expires.
    public let expiresAt: UnixTime?
    public let revokedAt: UnixTime?
    public let lastUsedAt: UnixTime?
    public let lastUsedBy: String?
    /// The number of the current secret version.
    public let currentVersion: Int?
    /// The last connection test, if any.
    public let lastTest: ConnectionTestResult?
    /// The hook that rotates, tests and revokes it when a command names none (run as
    /// `/bin/sh -c HOOK`). Not a secret, but it is shown only to those who may see the credential.
    public let hook: String?

    /// The state at time `now`.
    public func state(at now: UnixTime) -> CredentialState {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    /// Whether the credential never expires (flagged as a risk on reports).
    public var neverExpires: Bool { expiresAt == nil }
}

/// One secret version, without its secret.
public struct SecretVersion: Sendable, Hashable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(
        number: Int, state: VersionState, createdAt: UnixTime, validUntil: UnixTime?, firstUsedAt: UnixTime?,
        upstreamID: String? = nil, upstreamExpiresAt: UnixTime? = nil, waiting: WaitingStep? = nil, closedAt: UnixTime? = nil
    ) {
        self.number = number
        self.state = state
        self.createdAt = createdAt
        self.validUntil = validUntil
        self.firstUsedAt = firstUsedAt
        self.upstreamID = upstreamID
        self.upstreamExpiresAt = upstreamExpiresAt
        self.waiting = waiting
        self.closedAt = closedAt
    }

    public let number: Int
    public let state: VersionState
    public let createdAt: UnixTime
    /// For a `previous` version: when it stops being accepted.
    public let validUntil: UnixTime?
    public let firstUsedAt: UnixTime?
    /// The issuer's id for this token, from its hook's `create` step.
    public let upstreamID: String?
    /// The token's expiry as its issuer reported it.
    public let upstreamExpiresAt: UnixTime?
    /// A hook step this version still owes its issuer.
    public let waiting: WaitingStep?
    /// When a hook step confirmed the token closed at its issuer.
    public let closedAt: UnixTime?
}

/// Everything `show` tells about a credential, never its secret.
public struct CredentialDetails: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(credential: Credential, versions: [SecretVersion], nameHistory: [(name: String, since: UnixTime)]) {
        self.credential = credential
        self.versions = versions
        self.nameHistory = nameHistory
    }

    public let credential: Credential
    public let versions: [SecretVersion]
    /// Every name the credential has had, oldest first, with when it was given.
    public let nameHistory: [(name: String, since: UnixTime)]
}

/// A warning the caller of a fetch can log: the token expires soon.
public struct ExpiryWarning: Sendable, Equatable, CustomStringConvertible {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(name: String, expiresAt: UnixTime, secondsLeft: Int64) {
        self.name = name
        self.expiresAt = expiresAt
        self.secondsLeft = secondsLeft
    }

    public let name: String
    public let expiresAt: UnixTime
    public let secondsLeft: Int64

    public var description: String {
        "credential '\(name)' expires in \(TimeFormat.humanDuration(secondsLeft)) (\(TimeFormat.iso8601(expiresAt)))"
    }
}
