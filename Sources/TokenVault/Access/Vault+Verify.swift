internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    /// Checks a presented token minted by this vault against a need, and says whose it is.
    ///
    /// ```swift
    /// let owner = try vault.verify(presented, need: Need(project: "billing", permissions: .read))
    /// ```
    ///
    /// Security: the token is checked for shape and checksum, then looked up by its keyed
    /// hash (HMAC-SHA256 under the vault's lookup key) and compared with `CRYPTO_memcmp`; its
    /// plaintext is never stored and the time taken does not depend on how much of it matches.
    ///
    /// - Returns: the credential the token belongs to.
    /// - Throws: ``VaultError/Kind/denied`` (audited) for a malformed, unknown, revoked,
    ///   expired or out-of-scope token. All refusals look alike to the presenter.
    public func verify(_ token: Secret, need: Need = .any) throws(VaultError) -> Credential {
        let need = try need.validated()
        let caller = caller
        try caller.requireCompleteNeed(need)
        let wellFormed = token.withUnsafeBytes(IssuedTokenFormat.isWellFormed)
        let fingerprint = keys.fingerprint(of: token)
        return try audited(AuditRecord(.verify, need: need)) { db, now, record in
            guard wellFormed else { throw Refusal.denied("the token is not valid", reason: "malformed token") }
            let authenticator = stateAuthenticator
            guard
                let row = try SecretVersionTable.issued(db, fingerprint: fingerprint), let rowID = row.int64(StoredVersion.Column.credentialID),
                let stored = row.blob(StoredVersion.Column.fingerprint),
                ConstantTime.equals(stored, fingerprint),
                let loaded = try CredentialRecords.byRowID(rowID, db, authenticator)
            else { throw Refusal.denied("the token is not valid", reason: "unknown token") }
            let credential = loaded.credential
            record.credentialID = credential.id
            record.credentialName = credential.name
            // Whether a secret is a minted token is the credential's kind, which its MAC covers,
            // not the version row's missing ciphertext, which no MAC does.
            guard credential.kind == .issued else { throw Refusal.denied("the token is not valid", reason: "not an issued token") }
            let version = try StoredVersion(row, credential: loaded.stored.label)
            try authenticator.check(version, of: loaded.stored)
            record.version = version.version
            guard version.isUsable(at: now), try SecretVersions.checkRetirement(of: version, loaded, db, authenticator) else {
                throw Refusal.denied("the token is not valid", reason: "version \(version.version) is \(version.state)")
            }
            do {
                try caller.authorizeUse(of: credential.name, for: need)
                try Vault.checkUsable(credential, need: need, now: now)
            } catch {
                // The presenter learns nothing about whose token it is; the audit records why.
                throw Refusal.denied("the token is not valid", reason: Refusal.reason(of: error))
            }
            try recordUse(of: version, actor: caller.actor, now: now, db: db, record: &record)
            return credential
        }
    }
}
