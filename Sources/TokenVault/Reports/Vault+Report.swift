internal import TokenVaultStore

/// The security admin's view of a vault. Holds no secret.
public struct SecurityReport: Sendable {
    /// Live legacy tokens, and scoped ones whose scope is `*:*:crud`: unlimited rights.
    public let unlimited: [Credential]
    /// Live credentials that never expire.
    public let neverExpiring: [Credential]
    /// Expired but not revoked: still valid upstream, maybe.
    public let expiredNotRevoked: [Credential]
    /// Live credentials not used (fetched or verified) for the window, or never since creation.
    public let unused: [Credential]
    /// Denied attempts, by actor, most first.
    public let deniedByActor: [(actor: String, count: Int64, last: UnixTime)]
    /// Live credentials by the age of their current secret, oldest first (at most 10).
    public let oldestSecrets: [(credential: Credential, since: UnixTime)]
    /// Live, unrevoked credentials whose lifetime is longer than their issuer's policy allows
    /// (``IssuerPolicy/isBroken(legacy:createdAt:expiresAt:)``), with the policy, by name.
    public let overPolicy: [(credential: Credential, policy: IssuerPolicy)]
    /// Rotations left half-way: pending versions (a rotation interrupted before its test
    /// passed) and hook steps versions still owe their issuers (a rollback, a finish or a revoke
    /// that failed or waits), by credential name (its id once deleted) and version.
    public let rotationBacklog: [RotationBacklogEntry]

    /// Whether any finding is a risk (unlimited, never-expiring, expired-not-revoked, unused,
    /// over an issuer's policy, or a step owed to an issuer that is due: a token the vault no
    /// longer holds may still work there). Denied attempts, secret ages and pending versions are
    /// for information.
    public var hasRisks: Bool {
        !(unlimited.isEmpty && neverExpiring.isEmpty && expiredNotRevoked.isEmpty && unused.isEmpty && overPolicy.isEmpty)
            || rotationBacklog.contains { $0.waiting?.isDue == true }
    }
}

/// A version that a rotation left half-way (``SecurityReport/rotationBacklog``).
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

extension Vault {
    /// Builds the admin report.
    ///
    /// - Parameter unusedFor: a credential not used for this many seconds (or never, and
    ///   created longer ago than that) is reported as unused.
    public func report(unusedFor: Int64 = 90 * 86_400) throws(VaultError) -> SecurityReport {
        guard unusedFor > 0 else { throw .invalid("the unused window must be positive") }
        try requireAdmin()
        return try reading { db, now in
            let authenticator = stateAuthenticator
            let loaded = try CredentialRecords.all(db, authenticator)
            let live = loaded.map(\.credential)
            let active = live.filter { $0.revokedAt == nil }
            let denied = try AuditEventTable.deniedByActor(db)
            var ages: [(credential: Credential, since: UnixTime)] = []
            for name in try CredentialTable.namesWithOldestSecrets(db) {
                // The age shown is the checked version's, not the joined row's.
                if let found = loaded.first(where: { $0.credential.name == name && $0.credential.revokedAt == nil }),
                    let current = try SecretVersions.readCurrent(of: found, db, authenticator)
                {
                    ages.append((found.credential, current.createdAt))
                }
            }
            var policies = PolicyLookup()
            var overPolicy: [(credential: Credential, policy: IssuerPolicy)] = []
            for found in loaded {
                if let policy = try policies.breach(of: found, db, authenticator) { overPolicy.append((found.credential, policy)) }
            }
            var backlog: [RotationBacklogEntry] = []
            for rowID in try SecretVersionTable.credentialsWithBacklog(db) {
                guard let snapshot = try CredentialSnapshot.load(rowID: rowID, db, authenticator) else { continue }
                for version in snapshot.versions {
                    guard let state = version.versionState, state == .pending || version.upstream.owed != nil else { continue }
                    backlog.append(
                        RotationBacklogEntry(
                            name: snapshot.credential.label, version: Int(version.version), state: state, waiting: version.waitingStep(at: now)
                        ))
                }
            }
            return SecurityReport(
                unlimited: active.filter { $0.isLegacy || $0.scope.isUnlimited },
                neverExpiring: active.filter(\.neverExpires),
                expiredNotRevoked: active.filter { $0.state(at: now) == .expired },
                unused: active.filter { ($0.lastUsedAt ?? $0.createdAt) <= now - unusedFor },
                deniedByActor: denied,
                oldestSecrets: ages,
                overPolicy: overPolicy,
                rotationBacklog: backlog
            )
        }
    }
}
