internal import TokenVaultCrypto
internal import TokenVaultStore

/// A secret returned by ``Vault/fetch(_:need:)``.
public struct FetchedSecret: Sendable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(secret: Secret, credential: Credential, version: Int, warning: ExpiryWarning?) {
        self.secret = secret
        self.credential = credential
        self.version = version
        self.warning = warning
    }

    /// The token. Wiped from memory when the last reference goes.
    public let secret: Secret
    /// The credential it belongs to.
    public let credential: Credential
    /// The secret version returned.
    public let version: Int
    /// Set when the credential expires within the configured warning window (7 days).
    public let warning: ExpiryWarning?
}

/// Where a fetched secret will go, when that limits which secrets can be handed out.
public enum SecretUse: Sendable {
    /// Anywhere: the bytes as stored.
    case any
    /// An environment variable (`tokenvault exec`): a C string, so a secret with a NUL byte
    /// cannot be carried and is refused before it is handed out (and audited as refused).
    case environmentVariable
}

extension Vault {
    /// Returns the current secret of a live credential for a declared need.
    ///
    /// ```swift
    /// let fetched = try vault.fetch("erp-prod", need: Need(project: "shop-de", resource: "orders", permissions: .read))
    /// ```
    ///
    /// The fetch and its audit event commit together before the secret is returned, so no
    /// secret ever leaves the vault without a durable record of it. Refusals are audited too.
    ///
    /// - Parameters:
    ///   - name: the credential's name.
    ///   - need: what the caller will do with it; parts left nil are not checked.
    ///   - version: a specific version: the current one, or a previous one still in its grace
    ///     period (automation that has not picked up a rotation yet). Nil: the current version.
    /// - Throws: ``VaultError/Kind/notFound`` when there is no such credential;
    ///   ``VaultError/Kind/denied`` when it is revoked, expired, out of scope for `need`, or an
    ///   issued token (whose secret is not stored); ``VaultError/Kind/integrity`` when the stored
    ///   ciphertext or any row the decision uses fails authentication;
    ///   ``VaultError/Kind/invalidInput`` when the secret cannot serve `use`. Each of these is
    ///   recorded in the audit trail. Through ``acting(as:peer:onBehalfOf:)``, also
    ///   ``VaultError/Kind/denied`` (audited) for a need outside the principal's allow list, and
    ///   ``VaultError/Kind/invalidInput`` for a need that does not name project, resource and
    ///   permission.
    public func fetch(_ name: String, need: Need = .any, version: Int? = nil, for use: SecretUse = .any) throws(VaultError) -> FetchedSecret {
        let name = try Labels.name(name)
        let need = try need.validated()
        try caller.requireCompleteNeed(need)
        return try fetch(validated: name, need: need, version: version, for: use)
    }

    /// The audited fetch of ``fetch(_:need:version:for:)``, for a name and a need already
    /// validated (and, through the service, a need the caller was allowed to leave incomplete).
    func fetch(validated name: String, need: Need, version: Int?, for use: SecretUse) throws(VaultError) -> FetchedSecret {
        let caller = caller
        let warningWindow = configuration.expiryWarningSeconds
        return try audited(AuditRecord(.fetch, name: name, need: need)) { db, now, record in
            let authenticator = stateAuthenticator
            guard let loaded = try CredentialRecords.live(named: name, db, authenticator) else { throw Refusal.notFound(name) }
            let credential = loaded.credential
            record.credentialID = credential.id
            try caller.authorizeUse(of: name, for: need)
            try Vault.checkUsable(credential, need: need, now: now)
            guard credential.kind == .stored else {
                throw Refusal.denied(
                    "credential '\(printable(name))' is an issued token: only its hash is stored (use verify)",
                    reason: "issued token has no stored secret"
                )
            }
            let stored: StoredVersion?
            if let version {
                stored = try SecretVersions.read(of: loaded, version: Int64(version), db, authenticator)
                guard let stored, stored.isUsable(at: now), try SecretVersions.checkRetirement(of: stored, loaded, db, authenticator) else {
                    throw Refusal.denied("version \(version) of '\(printable(name))' is not valid", reason: "version \(version) not valid")
                }
            } else {
                stored = try SecretVersions.currentForFetch(of: loaded, db)
            }
            guard let stored, let keyID = stored.keyID, let ciphertext = stored.ciphertext else {
                throw Refusal(
                    error: VaultError(.integrity, "credential '\(printable(name))' has no current secret version"),
                    outcome: .error, reason: "no current version"
                )
            }
            record.version = stored.version
            let secret: Secret
            do {
                secret = try SecretVersions.open(ciphertext: ciphertext, keyID: keyID, uid: credential.id, version: stored.version, keys: keys)
            } catch let error as VaultError {
                throw Refusal(error: error, outcome: .error, reason: "integrity check failed")
            }
            if use == .environmentVariable, secret.withUnsafeBytes({ $0.contains(0) }) {
                throw Refusal(
                    error: .invalid("credential '\(printable(name))' holds a NUL byte and cannot go in an environment variable"),
                    outcome: .denied, reason: "NUL byte: not usable in an environment variable"
                )
            }
            try recordUse(of: stored, actor: caller.actor, now: now, db: db, record: &record)
            return FetchedSecret(
                secret: secret,
                credential: credential,
                version: Int(stored.version),
                warning: Vault.expiryWarning(for: credential, now: now, window: warningWindow)
            )
        }
    }

    /// Refuses a revoked, expired or out-of-scope credential.
    static func checkUsable(_ credential: Credential, need: Need, now: UnixTime) throws(Refusal) {
        let name = printable(credential.name)
        switch credential.state(at: now) {
        case .revoked:
            throw .denied("credential '\(name)' is revoked", reason: "revoked")
        case .expired:
            throw .denied("credential '\(name)' expired at \(TimeFormat.iso8601(credential.expiresAt ?? 0))", reason: "expired")
        case .active:
            break
        }
        guard credential.scope.covers(need) else {
            throw .denied("credential '\(name)' does not cover the requested scope", reason: "out of scope")
        }
    }

    /// Records a use of `version` (checked): who and when on the credential (bookkeeping), and
    /// on the version its first use, which retires a previous version waiting for it
    /// (`--retire-after-first-use`). The first use changes authenticated state, so it is sealed
    /// under the operation's event; later uses touch bookkeeping only.
    func recordUse(of version: StoredVersion, actor: String, now: UnixTime, db: Connection, record: inout AuditRecord) throws {
        let rowID = version.credentialRowID
        try CredentialTable.recordUse(db, rowID, at: now, by: actor)
        guard version.firstUsedAt == nil else { return }
        try changingState(of: rowID, db, &record) { _ in
            try SecretVersionTable.recordFirstUse(db, credential: rowID, version: version.version, at: now)
            try SecretVersionTable.retirePreviousWaiting(db, credential: rowID, for: version.version)
        }
    }

    static func expiryWarning(for credential: Credential, now: UnixTime, window: Int64) -> ExpiryWarning? {
        guard let expiresAt = credential.expiresAt, expiresAt - now <= window else { return nil }
        return ExpiryWarning(name: credential.name, expiresAt: expiresAt, secondsLeft: expiresAt - now)
    }
}
