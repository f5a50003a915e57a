internal import TokenVaultStore

extension Vault {
    /// Live, unrevoked credentials that are expired, expire within `within` seconds, or never
    /// expire, most urgent first; each with the issuer policy it breaks, if any
    /// (``ExpiringCredential/overPolicy``).
    ///
    /// - Parameters:
    ///   - within: the warning window (the CLI's default is 60 days, as GitLab warns).
    ///   - critical: expiring within this is ``ExpiryStatus/critical`` (default 7 days).
    public func expiring(within: Int64, critical: Int64) throws(VaultError) -> [ExpiringCredential] {
        guard within > 0, critical >= 0 else { throw .invalid("the expiry windows must be positive") }
        let now = clock.now
        let credentials = try reading { db, _ in
            let authenticator = stateAuthenticator
            var policies = PolicyLookup()
            return try CredentialRecords.expiringOrNever(by: now + within, db, authenticator).filter { caller.mayView($0.credential.name) }
                .map { loaded in (loaded.credential, overPolicy: try policies.breach(of: loaded, db, authenticator)) }
        }
        let entries = credentials.map { credential, overPolicy -> ExpiringCredential in
            guard let expiresAt = credential.expiresAt else {
                return ExpiringCredential(credential: credential, status: .never, secondsLeft: nil, overPolicy: overPolicy)
            }
            let left = expiresAt - now
            let status: ExpiryStatus = left <= 0 ? .expired : left <= critical ? .critical : .warning
            return ExpiringCredential(credential: credential, status: status, secondsLeft: left, overPolicy: overPolicy)
        }
        return entries.sorted { ($0.secondsLeft ?? .max, $0.credential.name) < ($1.secondsLeft ?? .max, $1.credential.name) }
    }

    /// How many live, unrevoked credentials are expired or expire within `critical` seconds,
    /// and within `within` seconds: counts only, no names, so a principal that may read the
    /// service's metrics gets them for the whole vault whatever its allow list.
    public func expiryCounts(within: Int64, critical: Int64) throws(VaultError) -> (critical: Int, within: Int) {
        guard within > 0, critical >= 0 else { throw .invalid("the expiry windows must be positive") }
        let now = clock.now
        let dates = try reading { db, _ in
            try CredentialRecords.expiringOrNever(by: now + within, db, stateAuthenticator).compactMap(\.credential.expiresAt)
        }
        return (dates.filter { $0 - now <= critical }.count, dates.count)
    }
}
