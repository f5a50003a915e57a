internal import TokenVaultStore

extension Vault {
    /// Live credentials matching `filter`, by name. Never returns secrets.
    ///
    /// For a vault too large to hold in memory, ``forEachCredential(_:_:)`` streams the same list.
    public func list(_ filter: CredentialFilter = CredentialFilter()) throws(VaultError) -> [Credential] {
        var credentials: [Credential] = []
        try forEachCredential(filter) { credentials.append($0) }
        return credentials
    }

    /// Calls `body` with each live credential matching `filter`, by name, reading them one at a
    /// time from SQLite (constant memory, whatever the number of credentials). Never a secret.
    /// A principal that is not an admin sees only the credentials its allow list names.
    ///
    /// ```swift
    /// try vault.forEachCredential(CredentialFilter(expiringWithin: 30 * 86_400)) { credential in
    ///     print(credential.name, credential.expiresAt ?? 0)
    /// }
    /// ```
    ///
    /// The read runs in one snapshot.
    ///
    /// - Warning: `body` runs while this `Vault` holds its connection. Calling the same `Vault`
    ///   from inside `body` deadlocks; collect what you need and act after the call returns.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a malformed project or resource;
    ///   ``VaultError/Kind/integrity`` when a stored row is malformed; what `body` throws.
    public func forEachCredential(_ filter: CredentialFilter, _ body: (Credential) throws -> Void) throws(VaultError) {
        let now = clock.now
        let need = try Need(project: filter.project, resource: filter.resource).validated()
        try reading { db, _ in
            try CredentialRecords.forEach(matching: filter, now: now, db, stateAuthenticator) { loaded in
                if loaded.credential.scope.covers(need), caller.mayView(loaded.credential.name) { try body(loaded.credential) }
            }
        }
    }

    /// A credential's details: scope, versions (without secrets), name history, last use.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` when no live credential has that name.
    public func show(_ name: String) throws(VaultError) -> CredentialDetails {
        let name = try Labels.name(name)
        return try reading { db, now in
            let authenticator = stateAuthenticator
            guard caller.mayView(name), let loaded = try CredentialRecords.live(named: name, db, authenticator),
                let snapshot = try CredentialSnapshot.load(rowID: loaded.rowID, db, authenticator)
            else {
                throw VaultError(.notFound, "no credential named '\(printable(name))'")
            }
            let versions = try snapshot.versions.map { version throws in
                guard let state = version.versionState else {
                    throw StateViolation(table: "secret_versions", credential: name, problem: .malformed)
                }
                return SecretVersion(
                    number: Int(version.version), state: state, createdAt: version.createdAt,
                    validUntil: version.validUntil, firstUsedAt: version.firstUsedAt, upstreamID: version.upstream.id,
                    upstreamExpiresAt: version.upstream.expiresAt, waiting: version.waitingStep(at: now), closedAt: version.upstream.closedAt
                )
            }
            let history = snapshot.names.map { (name: $0.name, since: $0.namedAt) }
            return CredentialDetails(credential: loaded.credential, versions: versions, nameHistory: history)
        }
    }
}
