internal import TokenVaultStore

extension Vault {
    /// Sets (or replaces) the policy of an issuer: the longest lifetime it allows the
    /// non-legacy tokens it creates on or after `since`.
    ///
    /// ```swift
    /// try vault.setIssuerPolicy("xentral", maxLifetime: 180 * 86_400, since: try TimeFormat.parseDate("2026-12-01"))
    /// ```
    ///
    /// From then on ``add(_:secret:)``, ``issue(_:)``, ``edit(_:_:)`` and ``rotate(_:from:policy:discardPending:)``
    /// refuse a token of that issuer (matched without regard to ASCII case) created or rotated
    /// on or after `since` whose expiry is further than `maxLifetime` from its creation, or that
    /// never expires. Tokens already stored stay as they are; ``report(unusedFor:)`` and
    /// ``expiring(within:critical:)`` flag those that break it.
    ///
    /// - Parameters:
    ///   - issuer: the issuer label, as credentials carry it (at most 50 characters).
    ///   - maxLifetime: the longest lifetime, in seconds (at most 100 years).
    ///   - since: tokens created before this time are not bound; 0 (the default) binds every token.
    /// - Returns: the policy, with the issuer in lower case.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a bad issuer, lifetime or date;
    ///   ``VaultError/Kind/integrity`` (audited) when the issuer's current row fails its check.
    ///
    /// Security: audited (`policy-set`), admin only through the service, and authenticated
    /// state: a policy row edited, deleted or restored without the key is refused where it is read.
    @discardableResult
    public func setIssuerPolicy(_ issuer: String, maxLifetime: Int64, since: UnixTime = 0) throws(VaultError) -> IssuerPolicy {
        let key = try Vault.issuerKey(issuer)
        guard maxLifetime > 0, maxLifetime <= TimeFormat.maximumDuration else {
            throw .invalid("the longest lifetime must be positive and within 100 years")
        }
        guard since >= 0 else { throw .invalid("a policy's start date cannot be before 1970") }
        let policy = IssuerPolicy(issuer: key, maxLifetimeSeconds: maxLifetime, since: since)
        var row = StoredIssuerPolicy(issuer: key, maxLifetime: maxLifetime, since: since)
        return try audited(AuditRecord(.policySet, credentialID: row.eventID, name: key)) { db, _, record in
            let previous = try IssuerPolicies.policy(of: key, db, stateAuthenticator)
            record.reason = IssuerPolicies.reason(policy, replacing: previous)
            try IssuerPolicies.write(&row, db, stateAuthenticator, &record)
            return policy
        }
    }

    /// The issuer policies in force, by issuer (admins only, through the service).
    ///
    /// - Throws: ``VaultError/Kind/integrity`` (audited) when a row fails its check, or a policy
    ///   the trail holds has no row.
    public func issuerPolicies() throws(VaultError) -> [IssuerPolicy] {
        try requireAdmin()
        return try reading { db, _ in
            let authenticator = stateAuthenticator
            var policies: [IssuerPolicy] = []
            for (stored, newest) in try IssuerPolicyTable.all(db) {
                try authenticator.check(stored, newestEvent: newest)
                if let policy = stored.policy { policies.append(policy) }
            }
            if let (uid, issuer) = try IssuerPolicyTable.earliestChangedWithoutRow(db) {
                throw StateViolation(table: "issuer_policies", credential: issuer ?? uid, problem: .missing)
            }
            return policies
        }
    }

    /// Removes the policy of an issuer: its tokens are no longer bound by it.
    ///
    /// ```swift
    /// try vault.removeIssuerPolicy("xentral")
    /// ```
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when the issuer has no policy;
    ///   ``VaultError/Kind/integrity`` (audited) when its row fails its check.
    ///
    /// Security: the row stays as a tombstone sealed under the removal's event (`policy-remove`),
    /// so that a row restored from an older copy is stale rather than in force again.
    public func removeIssuerPolicy(_ issuer: String) throws(VaultError) {
        let key = try Vault.issuerKey(issuer)
        try audited(AuditRecord(.policyRemove, credentialID: StoredIssuerPolicy.eventPrefix + key, name: key)) { db, _, record in
            guard let policy = try IssuerPolicies.policy(of: key, db, stateAuthenticator) else {
                throw Refusal(
                    error: VaultError(.notFound, "issuer '\(printable(key))' has no policy"), outcome: .denied, reason: "not found"
                )
            }
            record.reason = "was " + IssuerPolicies.reason(policy, replacing: nil)
            var row = StoredIssuerPolicy(issuer: key, maxLifetime: nil, since: policy.since)
            try IssuerPolicies.write(&row, db, stateAuthenticator, &record)
        }
    }

    /// A checked issuer label in the form policies are stored and matched in.
    static func issuerKey(_ issuer: String) throws(VaultError) -> String {
        IssuerPolicy.key(of: try Labels.label(issuer, what: "issuer", limit: 50))
    }
}
