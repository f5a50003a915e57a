internal import TokenVaultStore

/// What ``Vault/edit(_:_:)`` changes in a credential; what is left nil (or empty) stays.
///
/// ```swift
/// var change = CredentialEdit()
/// change.expiry = .at(try TimeFormat.parseDate("2027-05-01"))
/// change.addGrants = [try Grant(parsing: "shop-at:orders:r")]
/// try vault.edit("erp-prod", change)
/// ```
public struct CredentialEdit: Sendable {
    /// A new expiry: at a time, a duration from now, or never.
    public var expiry: NewCredential.Expiry?
    /// Grants to add; one on a project and resource the credential has replaces it.
    public var addGrants: [Grant] = []
    /// Grants to remove, by project and resource (their permissions are not compared).
    public var removeGrants: [Grant] = []
    public var apiURL: String?
    public var issuer: String?
    public var description: String?
    /// A new hook (`.some(command)`), or none (`.some(nil)`): see ``NewCredential/hook``.
    public var hook: String??

    public init() {}

    var isEmpty: Bool {
        expiry == nil && addGrants.isEmpty && removeGrants.isEmpty && apiURL == nil && issuer == nil && description == nil && hook == nil
    }
}

extension Vault {
    /// Changes a credential's expiry, grants, API URL, issuer, description or hook, keeping its
    /// secret, its versions and its id: what fixing a mistake after `add` needs, without a
    /// rotation with the same secret.
    ///
    /// The change is one audited event whose reason names the fields changed (the new values of
    /// expiry and grants; the labels by name only); the credential's authenticated state is
    /// sealed again under it.
    ///
    /// - Returns: the credential as it now stands.
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when there is no such credential;
    ///   ``VaultError/Kind/invalidInput`` for nothing to change, a bad label or grant, an expiry
    ///   in the past, grants on a legacy token (unlimited by definition), removing a grant the
    ///   credential does not have or its last one, an issued token made to expire past 180
    ///   days or never, or a hook whose program is not an executable file (or on an issued
    ///   token); ``VaultError/Kind/denied`` (audited) for a hook changed through the service.
    public func edit(_ name: String, _ change: CredentialEdit) throws(VaultError) -> Credential {
        let name = try Labels.name(name)
        guard !change.isEmpty else {
            throw .invalid(
                "nothing to change: give --expires, --grant, --remove-grant, --api-url, --issuer, --description, --hook or --remove-hook"
            )
        }
        let labels = try NewCredential.validatedLabels(description: change.description, issuer: change.issuer, apiURL: change.apiURL)
        if case .some(.some(let hook)) = change.hook { try RotationHook.validate(command: hook) }
        return try audited(AuditRecord(.edit, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            let credential = loaded.credential
            record.credentialID = credential.id
            if let hook = change.hook {
                try caller.authorizeHookChange()
                guard hook == nil || credential.kind == .stored else {
                    throw VaultError.invalid("issued tokens are rotated by minting: a hook is for stored tokens")
                }
            }
            var changed: [String] = []
            let expiresAt: UnixTime??
            if let expiry = change.expiry {
                var probe = NewCredential(name: name, scope: credential.scope, expiry: expiry)
                probe.isLegacy = credential.isLegacy
                let time = try probe.expiryTime(createdAt: now)
                if credential.kind == .issued {
                    guard let time, time - now <= Vault.maximumIssuedLifetime else {
                        throw VaultError.invalid("issued tokens must expire within 180 days")
                    }
                }
                expiresAt = .some(time)
                changed.append("expires \(time.map(TimeFormat.iso8601) ?? "never")")
            } else {
                expiresAt = nil
            }
            let grants = try Vault.editedGrants(of: credential, change)
            if let grants { changed.append("grants \(grants.map(\.description).joined(separator: " "))") }
            for (field, value) in [("api_url", labels.apiURL), ("issuer", labels.issuer), ("description", labels.description)] where value != nil {
                changed.append(field)
            }
            if let hook = change.hook { changed.append(hook == nil ? "hook removed" : "hook") }
            record.reason = "changed " + changed.joined(separator: "; ")
            try changingState(of: loaded.rowID, db, &record) { _ in
                if let expiresAt { try CredentialTable.setExpiry(db, loaded.rowID, expiresAt) }
                if let grants {
                    try GrantTable.deleteAll(db, credential: loaded.rowID)
                    for grant in grants { try GrantTable.insert(db, credential: loaded.rowID, grant) }
                }
                try CredentialTable.setLabels(db, loaded.rowID, apiURL: labels.apiURL, issuer: labels.issuer, description: labels.description)
                if let hook = change.hook { try CredentialTable.setHook(db, loaded.rowID, hook) }
            }
            guard let edited = try CredentialRecords.byRowID(loaded.rowID, db, stateAuthenticator, sealedBy: record.stateSeq) else {
                throw VaultError(.failed, "the edited credential could not be read back")
            }
            return edited.credential
        }
    }

    /// The credential's grants after `change`, or nil when it changes none.
    static func editedGrants(of credential: Credential, _ change: CredentialEdit) throws(VaultError) -> [Grant]? {
        guard !change.addGrants.isEmpty || !change.removeGrants.isEmpty else { return nil }
        guard !credential.isLegacy else {
            throw .invalid("'\(printable(credential.name))' is a legacy token: its rights are unlimited and cannot be edited")
        }
        var grants = credential.scope.grants
        for removed in change.removeGrants {
            guard let index = grants.firstIndex(where: { $0.project == removed.project && $0.resource == removed.resource }) else {
                throw .invalid("'\(printable(credential.name))' has no grant on \(removed.project):\(removed.resource)")
            }
            grants.remove(at: index)
        }
        for added in change.addGrants {
            grants.removeAll { $0.project == added.project && $0.resource == added.resource }
            grants.append(added)
        }
        guard !grants.isEmpty else { throw .invalid("a credential keeps at least one grant") }
        return try Scope(grants).grants
    }
}
