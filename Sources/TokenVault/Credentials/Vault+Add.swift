internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    /// The longest lifetime of a token minted by ``issue(_:)``: 180 days, the ERP's rule for
    /// every token created since December 2026.
    public static let maximumIssuedLifetime: Int64 = 180 * 86_400

    /// Stores an external token (an ERP's PAT) under a new name.
    ///
    /// ```swift
    /// var new = NewCredential(name: "erp-prod", scope: try Scope([Grant(parsing: "shop:orders:cr")]),
    ///                         expiry: .after(seconds: 90 * 86_400))
    /// new.issuer = "xentral"
    /// let credential = try vault.add(new, secret: Secret.read(fromFileDescriptor: 0))
    /// ```
    ///
    /// - Returns: the stored credential (version 1 current).
    /// - Throws: ``VaultError/Kind/invalidInput`` for a bad or taken name, a bad label, an
    ///   expiry in the past or an empty secret.
    ///
    /// Security: the secret is encrypted with AES-256-GCM under the active data key, bound to
    /// this vault, the credential's id and version 1. A keyed fingerprint is kept so that
    /// `scan` can find leaked copies; the plaintext is never written anywhere.
    public func add(_ new: NewCredential, secret: Secret) throws(VaultError) -> Credential {
        guard secret.count > 0, secret.count <= Secret.maximumByteCount else {
            throw .invalid("the secret must be 1 to \(Secret.maximumByteCount) bytes")
        }
        return try insert(new, kind: .stored, secret: secret, action: .add)
    }

    /// Mints a new token owned by this vault, stores only its keyed hash, and returns it once.
    ///
    /// The token looks like `tvk_…` (see ``IssuedTokenFormat``). Issued tokens must expire,
    /// at most ``maximumIssuedLifetime`` after now.
    ///
    /// - Returns: the credential and the token. Show the token to its owner once; it cannot
    ///   be recovered.
    /// - Throws: ``VaultError/Kind/invalidInput`` as ``add(_:secret:)`` does, and for a
    ///   never-expiring or legacy request or a lifetime past 180 days.
    public func issue(_ new: NewCredential) throws(VaultError) -> (credential: Credential, token: Secret) {
        guard !new.isLegacy, new.expiry != .never else {
            throw .invalid("issued tokens must expire (at most 180 days); legacy and never-expiring are refused")
        }
        let now = clock.now
        if let expiry = try new.expiryTime(createdAt: now), expiry - now > Vault.maximumIssuedLifetime {
            throw .invalid("issued tokens must expire within 180 days")
        }
        guard new.hook == nil else { throw .invalid("issued tokens are rotated by minting: a hook is for stored tokens") }
        let token = try IssuedTokenFormat.mint()
        let credential = try insert(new, kind: .issued, secret: token, action: .issue)
        return (credential, token)
    }

    private func insert(_ new: NewCredential, kind: CredentialKind, secret: Secret, action: AuditAction) throws(VaultError) -> Credential {
        let (name, description, issuer, apiURL) = try new.validated()
        let scope = new.isLegacy ? Scope(trusted: [.unlimited]) : new.scope
        let expiry = try new.expiryTime(createdAt: clock.now)
        let uid = "cred_" + Hex.encode(try Vault.randomBytes(10))
        if let hook = new.hook { try RotationHook.validate(command: hook) }

        return try audited(AuditRecord(action, credentialID: uid, name: name)) { db, now, record in
            if new.hook != nil { try caller.authorizeHookChange() }
            guard try !CredentialTable.isNameTaken(db, name) else {
                throw VaultError.invalid("a credential named '\(printable(name))' already exists")
            }
            let rowID = try CredentialTable.insert(
                db, uid: uid, name: name, kind: kind, legacy: new.isLegacy, description: description, issuer: issuer, apiURL: apiURL,
                createdAt: now, expiresAt: expiry
            )
            // Rows already waiting under the new row id (planted by a writer of the file, whose
            // SQL does not enforce foreign keys) would be sealed with the credential as its own.
            if let table = try CredentialTable.childTableWithRows(db, of: rowID) {
                throw StateViolation(table: table, credential: name, problem: .forged)
            }
            if let hook = new.hook { try CredentialTable.setHook(db, rowID, hook) }
            try NameHistoryTable.insert(db, credential: rowID, name: name, at: now)
            for grant in scope.grants { try GrantTable.insert(db, credential: rowID, grant) }
            try SecretVersions.insert(
                credential: rowID, uid: uid, version: 1, state: .current, secret: kind == .stored ? secret : nil,
                fingerprint: keys.fingerprint(of: secret), now: now, keys: keys, db: db
            )
            record.version = 1
            try sealState(of: rowID, db, &record)
            guard let loaded = try CredentialRecords.byRowID(rowID, db, stateAuthenticator, sealedBy: record.stateSeq) else {
                throw VaultError(.failed, "the new credential could not be read back")
            }
            return loaded.credential
        }
    }
}
