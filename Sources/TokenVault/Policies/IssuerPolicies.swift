internal import TokenVaultStore

/// Reading issuer policies checked, and the one refusal every write path makes with them.
///
/// A policy is read through ``policy(of:_:_:)`` only: its row is checked (MAC, and freshness
/// against the policy's newest state-changing event), and an issuer the trail gave a policy that
/// has no row any more is refused as missing, never read as "no policy".
enum IssuerPolicies {
    /// The checked policy of `issuer` (in ``IssuerPolicy/key(of:)`` form), or nil when it has
    /// none or it was removed.
    ///
    /// - Throws: ``StateViolation`` when the row is forged, stale or malformed, or missing while
    ///   the trail says the policy exists.
    static func policy(of issuer: String, _ db: Connection, _ authenticator: StateAuthenticator) throws -> IssuerPolicy? {
        guard let (stored, newest) = try IssuerPolicyTable.byIssuer(db, issuer) else {
            if try IssuerPolicyTable.newestEvent(db, issuer: issuer) != nil {
                throw StateViolation(table: "issuer_policies", credential: issuer, problem: .missing)
            }
            return nil
        }
        try authenticator.check(stored, newestEvent: newest)
        return stored.policy
    }

    /// Refuses a token of `issuer` created (or rotated) at `createdAt` and expiring at
    /// `expiresAt` (nil: never) that breaks the issuer's policy. Called inside the write's
    /// transaction, so the policy is the one the write commits against.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` naming the policy; ``StateViolation`` when the
    ///   policy's row fails its check.
    static func enforce(
        issuer: String?, legacy: Bool, createdAt: UnixTime, expiresAt: UnixTime?, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws {
        guard let issuer, !legacy, let policy = try policy(of: IssuerPolicy.key(of: issuer), db, authenticator),
            policy.isBroken(legacy: legacy, createdAt: createdAt, expiresAt: expiresAt)
        else { return }
        throw VaultError.invalid("\(policy) (policy); give --expires-in \(policy.maxLifetimeDuration) or less")
    }

    /// ``enforce(issuer:legacy:createdAt:expiresAt:_:_:)`` for `credential` given a new secret
    /// at `createdAt` (a rotation), where only the keys are at hand.
    static func enforce(on credential: Credential, createdAt: UnixTime, expiresAt: UnixTime?, keys: Keyring, db: Connection) throws {
        // Policies do not depend on the state epoch, which only credentials use.
        let authenticator = StateAuthenticator(keys: keys, epoch: 0)
        try enforce(issuer: credential.issuer, legacy: credential.isLegacy, createdAt: createdAt, expiresAt: expiresAt, db, authenticator)
    }

    /// Writes `row`, sealed under the operation's event, which is marked as changing state.
    static func write(_ row: inout StoredIssuerPolicy, _ db: Connection, _ authenticator: StateAuthenticator, _ record: inout AuditRecord) throws {
        let seq = try AuditLog.nextSequence(db)
        row.stateSeq = seq
        row.stateMAC = authenticator.mac(of: row, seq: seq)
        try IssuerPolicyTable.write(db, row)
        record.stateSeq = seq
    }

    /// Gives a new vault the ERP's rule (``IssuerPolicy/erpDefault``), with its own event, in
    /// the transaction that creates the vault.
    static func installDefault(_ db: Connection, keys: Keyring, caller: Caller, at now: UnixTime) throws {
        let policy = IssuerPolicy.erpDefault
        var row = StoredIssuerPolicy(issuer: policy.issuer, maxLifetime: policy.maxLifetimeSeconds, since: policy.since)
        var record = AuditRecord(.policySet, credentialID: row.eventID, name: policy.issuer)
        record.reason = reason(policy, replacing: nil) + " (a new vault's default: the ERP's rule)"
        try write(&row, db, StateAuthenticator(keys: keys, epoch: 0), &record)
        try AuditLog.append(record, caller: caller, at: now, keys: keys, db: db)
    }

    /// The audited reason of a policy set: `at most 180d since 2026-12-01; was at most 90d`.
    static func reason(_ policy: IssuerPolicy, replacing previous: IssuerPolicy?) -> String {
        func rule(_ policy: IssuerPolicy) -> String {
            "at most \(policy.maxLifetimeDuration)" + (policy.since == 0 ? " for every token" : " since \(TimeFormat.iso8601(policy.since))")
        }
        return rule(policy) + (previous.map { "; was " + rule($0) } ?? "")
    }
}

/// The checked policies one read looks up, each issuer once: for the flags of `report` and
/// `expiring`.
struct PolicyLookup {
    private var known: [String: IssuerPolicy?] = [:]

    /// The policy `loaded` breaks as it stands (its current secret's creation and its expiry),
    /// or nil: a revoked or legacy token, an issuer without a policy, or a token within it.
    ///
    /// - Throws: ``StateViolation`` when the policy's row, or the current version's, fails its check.
    mutating func breach(
        of loaded: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> IssuerPolicy? {
        let credential = loaded.credential
        guard !credential.isLegacy, credential.revokedAt == nil, let issuer = credential.issuer.map(IssuerPolicy.key(of:)) else {
            return nil
        }
        let policy: IssuerPolicy?
        if let found = known[issuer] {
            policy = found
        } else {
            policy = try IssuerPolicies.policy(of: issuer, db, authenticator)
            known[issuer] = policy
        }
        guard let policy else { return nil }
        // The current secret is no older than the credential: a token within the policy from its
        // credential's creation, or expiring before the policy's date, is within it whatever its
        // secret's age, and needs no read of its version.
        if let expiresAt = credential.expiresAt, expiresAt - credential.createdAt <= policy.maxLifetimeSeconds || expiresAt <= policy.since {
            return nil
        }
        let createdAt = try SecretVersions.readCurrent(of: loaded, db, authenticator)?.createdAt ?? credential.createdAt
        return policy.isBroken(legacy: false, createdAt: createdAt, expiresAt: credential.expiresAt) ? policy : nil
    }
}
