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

    /// Whether any finding is a risk (unlimited, never-expiring, expired-not-revoked, unused,
    /// over an issuer's policy). Denied attempts and secret ages are for information.
    public var hasRisks: Bool {
        !(unlimited.isEmpty && neverExpiring.isEmpty && expiredNotRevoked.isEmpty && unused.isEmpty && overPolicy.isEmpty)
    }
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
            return SecurityReport(
                unlimited: active.filter { $0.isLegacy || $0.scope.isUnlimited },
                neverExpiring: active.filter(\.neverExpires),
                expiredNotRevoked: active.filter { $0.state(at: now) == .expired },
                unused: active.filter { ($0.lastUsedAt ?? $0.createdAt) <= now - unusedFor },
                deniedByActor: denied,
                oldestSecrets: ages,
                overPolicy: overPolicy
            )
        }
    }
}
