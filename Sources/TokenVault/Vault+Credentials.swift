internal import TokenVaultCrypto
internal import TokenVaultStore

/// Filters for ``Vault/list(_:)``; every field left nil matches all.
public struct CredentialFilter: Sendable {
    public var state: CredentialState?
    public var issuer: String?
    /// Only credentials that expire within this many seconds from now (expired ones included).
    public var expiringWithin: Int64?
    /// Only credentials whose scope covers this project (and resource, when given).
    public var project: String?
    public var resource: String?

    public init(
        state: CredentialState? = nil,
        issuer: String? = nil,
        expiringWithin: Int64? = nil,
        project: String? = nil,
        resource: String? = nil
    ) {
        self.state = state
        self.issuer = issuer
        self.expiringWithin = expiringWithin
        self.project = project
        self.resource = resource
    }
}

/// What ``Vault/delete(_:)`` did beyond deleting.
public struct DeletionReport: Sendable {
    /// Whether the WAL was checkpointed and truncated, so that no page image of the deleted
    /// ciphertext remains in the `-wal` file. False only when another process kept reading
    /// past the busy timeout; the next checkpoint then finishes the job.
    public let walTruncated: Bool
}

extension Vault {
    /// The longest lifetime of a token minted by ``issue(_:)``: 180 days, the ERP's rule for
    /// every token created since December 2026.
    public static let maximumIssuedLifetime: Int64 = 180 * 86_400

    // MARK: - Add and issue

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
        let token = try IssuedTokenFormat.mint()
        let credential = try insert(new, kind: .issued, secret: token, action: .issue)
        return (credential, token)
    }

    private func insert(_ new: NewCredential, kind: CredentialKind, secret: Secret, action: AuditAction) throws(VaultError) -> Credential {
        let (name, description, issuer, apiURL) = try new.validated()
        let scope = new.isLegacy ? Scope(trusted: [.unlimited]) : new.scope
        let expiry = try new.expiryTime(createdAt: clock.now)
        let uid = "cred_" + Hex.encode(try Vault.randomBytes(10))

        return try audited(AuditRecord(action, credentialID: uid, name: name)) { db, now, record in
            guard try db.row("SELECT 1 FROM credentials WHERE name = ?", [name]) == nil else {
                throw VaultError.invalid("a credential named '\(printable(name))' already exists")
            }
            try db.execute(
                """
                INSERT INTO credentials (uid, name, kind, legacy, description, issuer, api_url, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [uid, name, kind.rawValue, new.isLegacy, description, issuer, apiURL, now, expiry]
            )
            let rowID = db.lastInsertedRowID
            try db.execute("INSERT INTO name_history (credential_id, name, named_at) VALUES (?, ?, ?)", [rowID, name, now])
            for grant in scope.grants {
                try db.execute(
                    "INSERT INTO grants (credential_id, project, resource, permissions) VALUES (?, ?, ?, ?)",
                    [rowID, grant.project, grant.resource, grant.permissions.description]
                )
            }
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

    // MARK: - List and show

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
        var conditions: [String] = ["1"]
        var arguments: [any SQLBindable] = []
        let now = clock.now
        switch filter.state {
        case .active?:
            conditions.append("c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?)")
            arguments.append(now)
        case .expired?:
            conditions.append("c.revoked_at IS NULL AND c.expires_at <= ?")
            arguments.append(now)
        case .revoked?:
            conditions.append("c.revoked_at IS NOT NULL")
        case nil:
            break
        }
        if let issuer = filter.issuer {
            conditions.append("c.issuer = ?")
            arguments.append(issuer)
        }
        if let within = filter.expiringWithin {
            // As `expiring`: a revoked credential is not coming due.
            conditions.append("c.revoked_at IS NULL AND c.expires_at <= ?")
            arguments.append(now + within)
        }
        let need = try Need(project: filter.project, resource: filter.resource).validated()
        let condition = conditions.joined(separator: " AND ")
        let selective = filter.expiringWithin != nil || filter.state == .expired
        try reading { db, _ in
            try CredentialRecords.forEach(where: condition, arguments, selective: selective, db, stateAuthenticator) { loaded in
                if loaded.credential.scope.covers(need) { try body(loaded.credential) }
            }
        }
    }

    /// A credential's details: scope, versions (without secrets), name history, last use.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` when no live credential has that name.
    public func show(_ name: String) throws(VaultError) -> CredentialDetails {
        let name = try Labels.name(name)
        return try reading { db, _ in
            let authenticator = stateAuthenticator
            guard let loaded = try CredentialRecords.live(named: name, db, authenticator),
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
                    validUntil: version.validUntil, firstUsedAt: version.firstUsedAt
                )
            }
            let history = snapshot.names.map { (name: $0.name, since: $0.namedAt) }
            return CredentialDetails(credential: loaded.credential, versions: versions, nameHistory: history)
        }
    }

    // MARK: - Rename, revoke, delete

    /// Renames a credential. Its id stays, and the old name joins its name history.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist;
    ///   ``VaultError/Kind/invalidInput`` when `newName` is invalid or taken.
    public func rename(_ name: String, to newName: String) throws(VaultError) {
        let name = try Labels.name(name)
        let newName = try Labels.name(newName)
        try audited(AuditRecord(.rename, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            record.credentialName = newName
            record.reason = "renamed from '\(name)'"
            guard newName != name else { throw VaultError.invalid("the credential is already named '\(printable(name))'") }
            guard try db.row("SELECT 1 FROM credentials WHERE name = ?", [newName]) == nil else {
                throw VaultError.invalid("a credential named '\(printable(newName))' already exists")
            }
            try changingState(of: loaded.rowID, db, &record) { _ in
                try db.execute("UPDATE credentials SET name = ? WHERE id = ?", [newName, loaded.rowID])
                try db.execute(
                    "INSERT INTO name_history (credential_id, name, named_at) VALUES (?, ?, ?)", [loaded.rowID, newName, now]
                )
            }
        }
    }

    /// Revokes a credential at once: from now on `fetch` and `verify` refuse it.
    ///
    /// Revoking an already revoked credential changes nothing and succeeds.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist.
    public func revoke(_ name: String) throws(VaultError) {
        let name = try Labels.name(name)
        try audited(AuditRecord(.revoke, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            guard loaded.credential.revokedAt == nil else {
                record.reason = "already revoked"
                return
            }
            // The revoke wins over a rotation under way: its pending version is revoked and its
            // lease cleared, so that its next step finds the credential revoked and stops.
            try changingState(of: loaded.rowID, db, &record) { _ in
                try db.execute("UPDATE credentials SET revoked_at = ? WHERE id = ?", [now, loaded.rowID])
                try Rotation.discardPending(loaded.rowID, db: db)
            }
            try db.execute("DELETE FROM rotation_leases WHERE credential_id = ?", [loaded.rowID])
        }
    }

    /// Deletes a credential for good: its secret versions and grants are destroyed, its name
    /// is freed, and a tombstone (id and name history) keeps the audit trail continuous.
    ///
    /// Security: with `secure_delete` on, SQLite overwrites the freed ciphertext; the WAL is
    /// then checkpointed and truncated so that no older page image keeps a copy. A deleted
    /// credential cannot be restored.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when `name` does not exist.
    @discardableResult
    public func delete(_ name: String) throws(VaultError) -> DeletionReport {
        let name = try Labels.name(name)
        try audited(AuditRecord(.delete, name: name)) { db, now, record in
            guard let loaded = try CredentialRecords.live(named: name, db, stateAuthenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            try changingState(of: loaded.rowID, db, &record) { _ in
                try db.execute("DELETE FROM secret_versions WHERE credential_id = ?", [loaded.rowID])
                try db.execute("DELETE FROM grants WHERE credential_id = ?", [loaded.rowID])
                try db.execute(
                    """
                    UPDATE credentials SET name = NULL, deleted_at = ?, description = NULL, api_url = NULL,
                        last_used_by = NULL WHERE id = ?
                    """,
                    [now, loaded.rowID]
                )
            }
        }
        let truncated = (try? queue.withConnection { db in db.checkpointAndTruncateWAL() }) ?? false
        return DeletionReport(walTruncated: truncated)
    }
}

/// Writing and opening secret versions.
enum SecretVersions {
    /// The most encryptions one data key may perform (random 96-bit nonces stay far from
    /// collision, NIST SP 800-38D §8.3); past it, rotate-data-key is required.
    static let encryptionLimit: Int64 = 1 << 32

    /// Inserts version `version`; encrypts `secret` when given (stored credentials).
    static func insert(
        credential rowID: Int64,
        uid: String,
        version: Int64,
        state: VersionState,
        secret: Secret?,
        fingerprint: [UInt8],
        now: UnixTime,
        keys: Keyring,
        db: Connection
    ) throws {
        var keyID: Int64?
        var ciphertext: [UInt8]?
        if let secret {
            let id = try activeDataKeyID(keys: keys, db: db)
            guard let key = keys.dataKeys[id] else { throw VaultError(.failed, "the data key is not loaded") }
            ciphertext = try AESGCM.seal(secret.bytes, using: key, authenticating: keys.secretAAD(credentialID: uid, version: version, keyID: id))
            keyID = id
        }
        try db.execute(
            """
            INSERT INTO secret_versions (credential_id, version, state, key_id, ciphertext, fingerprint, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [rowID, version, state.rawValue, keyID, ciphertext, fingerprint, now]
        )
    }

    private static let currentSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? AND state = 'current'"
    private static let numberedSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? AND version = ?"

    /// The current version of a checked credential, checked, or nil when it has none.
    static func readCurrent(
        of credential: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> StoredVersion? {
        try checked(db.row(currentSQL, [credential.rowID]), of: credential, authenticator)
    }

    /// The current version of a checked credential for a fetch, by the number its row's MAC
    /// covers, without checking the version row's own MAC: one HMAC less on every fetch.
    ///
    /// Security: what a fetch of the current version takes from this row is safe without it.
    /// *Which* version is current is covered by the credential's MAC (the row is looked up by
    /// that number, and a `state` edited anywhere changes the number the MAC is checked
    /// against); the ciphertext, its key id, version and credential are bound by AES-GCM's
    /// associated data; `first_used_at` only decides whether this fetch records a first use,
    /// which checks and seals every row of the credential (a forged null is caught there), and a
    /// forged date, which would skip the retirement of a previous version, is caught when that
    /// version is used (``checkRetirement(of:_:_:_:)``). Every other reader checks the row.
    static func currentForFetch(of credential: CredentialRecords.Loaded, _ db: Connection) throws -> StoredVersion? {
        guard let number = credential.stored.currentVersion, let row = try db.row(numberedSQL, [credential.rowID, number]) else {
            return nil
        }
        return try StoredVersion(row, credential: credential.stored.label)
    }

    /// Refuses a previous version that retires on the first use of a later version when that
    /// use has happened: reads the later version's row, checked. A retirement that should have
    /// happened but did not (its first-use date forged to skip it) fails that check.
    static func checkRetirement(
        of version: StoredVersion, _ credential: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> Bool {
        guard version.versionState == .previous, let successor = version.retireOnFirstUseOf else { return true }
        guard let later = try read(of: credential, version: successor, db, authenticator) else { return true }
        return later.firstUsedAt == nil
    }

    /// Version `number` of a checked credential, checked, or nil when it has none.
    static func read(
        of credential: CredentialRecords.Loaded, version number: Int64, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> StoredVersion? {
        try checked(db.row(numberedSQL, [credential.rowID, number]), of: credential, authenticator)
    }

    /// Every version of a checked credential, checked, by number.
    static func readAll(
        of credential: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> [StoredVersion] {
        try db.rows(allSQL, [credential.rowID]).compactMap { row throws in try checked(row, of: credential, authenticator) }
    }

    private static let allSQL = "SELECT \(StoredVersion.columns) FROM secret_versions WHERE credential_id = ? ORDER BY version"

    private static func checked(
        _ row: Row?, of credential: CredentialRecords.Loaded, _ authenticator: StateAuthenticator
    ) throws -> StoredVersion? {
        guard let row else { return nil }
        let version = try StoredVersion(row, credential: credential.stored.label)
        try authenticator.check(version, of: credential.stored)
        return version
    }

    /// The active data key's id, after counting one more encryption under it.
    private static func activeDataKeyID(keys: Keyring, db: Connection) throws -> Int64 {
        guard let row = try db.row("SELECT id, encryptions FROM keys WHERE purpose = 'data' AND state = 'active'"),
            let id = row.int64(0), let count = row.int64(1)
        else { throw VaultError(.integrity, "the vault has no active data key") }
        guard id == keys.activeDataKeyID else {
            throw VaultError(.failed, "the vault's data key was rotated by another process; open the vault again")
        }
        guard count < encryptionLimit else {
            throw VaultError(.failed, "the data key reached its encryption limit", hint: "run `tokenvault rotate-data-key`")
        }
        try db.execute("UPDATE keys SET encryptions = encryptions + 1 WHERE id = ?", [id])
        return id
    }

    /// Decrypts a credential's version.
    ///
    /// - Throws: ``VaultError/Kind/integrity`` when the ciphertext fails authentication
    ///   (altered, or copied from another row).
    static func open(ciphertext: [UInt8], keyID: Int64, uid: String, version: Int64, keys: Keyring) throws(VaultError) -> Secret {
        guard let key = keys.dataKeys[keyID] else {
            throw VaultError(.integrity, "credential ciphertext refers to an unknown data key")
        }
        do {
            return Secret(try AESGCM.open(ciphertext, using: key, authenticating: keys.secretAAD(credentialID: uid, version: version, keyID: keyID)))
        } catch {
            throw VaultError(.integrity, "the stored secret fails its integrity check (altered or moved)")
        }
    }
}
