internal import TokenVaultCrypto
internal import TokenVaultStore
internal import TokenVaultSystem

/// The building blocks of rotation, shared by every source.
enum Rotation {
    struct Claim: Sendable {
        let loaded: CredentialRecords.Loaded
        let current: Secret?
        let pending: Secret?
        let nextVersion: Int64
        /// The current version's number and what its issuer said about it.
        let currentVersion: Int64?
        let currentUpstream: StoredUpstream?
        /// What the issuer said about the pending version being resumed.
        let pendingUpstream: StoredUpstream?
        /// The new version's intended expiry (nil: never).
        let intendedExpiry: UnixTime?
    }

    static func validate(_ policy: RotationPolicy) throws(VaultError) {
        if let grace = policy.graceSeconds, grace <= 0 || grace > TimeFormat.maximumDuration {
            throw .invalid("the grace period must be positive and within 100 years")
        }
    }

    /// A live, unrevoked credential; refusals are audited.
    static func loadRotatable(
        _ name: String, _ db: Connection, now: UnixTime, record: inout AuditRecord, _ authenticator: StateAuthenticator
    ) throws -> CredentialRecords.Loaded {
        guard let loaded = try CredentialRecords.live(named: name, db, authenticator) else { throw Vault.Refusal.notFound(name) }
        record.credentialID = loaded.credential.id
        if loaded.credential.revokedAt != nil {
            throw Vault.Refusal.denied("credential '\(printable(name))' is revoked", reason: "revoked")
        }
        return loaded
    }

    /// The columns of a rotation lease that decide whether it is held, in `SELECT` order.
    enum LeaseColumn: Int, ColumnList {
        case ownerHost, ownerPid, leaseUntil
    }

    /// Takes the credential's rotation lease, or throws ``VaultError/Kind/busy`` when a live
    /// rotation holds it. A lease whose owner is gone, or whose time ran out, is taken over.
    static func claimLease(_ rowID: Int64, now: UnixTime, seconds: Int64, db: Connection) throws {
        if let lease = try RotationLeaseTable.heldBy(db, credential: rowID), let host = lease.host, let pid = lease.pid,
            let until = lease.until, until > now, ProcessIdentity.isAlive(host: host, pid: pid)
        {
            throw VaultError(.busy, "another rotation of this credential is in progress (pid \(pid) on \(host))")
        }
        try RotationLeaseTable.claim(db, credential: rowID, host: ProcessIdentity.host, pid: ProcessIdentity.pid, at: now, until: now + seconds)
    }

    /// Every row of a claimed credential, checked.
    static func snapshot(
        of loaded: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> CredentialSnapshot {
        guard let snapshot = try CredentialSnapshot.load(rowID: loaded.rowID, db, authenticator) else {
            throw StateViolation(table: "credentials", credential: loaded.stored.label, problem: .missing)
        }
        return snapshot
    }

    /// The claimed credential as it is now, checked, while the rotation may go on: still live,
    /// not revoked, and its lease still held by this process.
    ///
    /// - Throws: ``VaultError/Kind/denied`` when it was revoked or deleted since the claim (a
    ///   revoke wins over a rotation under way); ``VaultError/Kind/busy`` when the lease was taken over.
    @discardableResult
    static func checkStillRotatable(_ claim: Claim, _ db: Connection, _ authenticator: StateAuthenticator) throws -> CredentialRecords.Loaded {
        guard let loaded = try CredentialRecords.byRowID(claim.loaded.rowID, db, authenticator),
            loaded.stored.deletedAt == nil, loaded.credential.revokedAt == nil
        else {
            throw VaultError(.denied, "credential '\(printable(claim.loaded.credential.name))' was revoked or deleted during its rotation")
        }
        try checkLeaseHeld(claim.loaded.rowID, db: db)
        return loaded
    }

    /// Throws ``VaultError/Kind/busy`` unless this process still holds the lease.
    static func checkLeaseHeld(_ rowID: Int64, db: Connection) throws {
        let lease = try RotationLeaseTable.heldBy(db, credential: rowID)
        guard lease?.host == ProcessIdentity.host, lease?.pid == ProcessIdentity.pid else {
            throw VaultError(.busy, "the rotation lease was taken over by another process")
        }
    }

    /// Releases the credential's lease when this process holds it (and leaves another's alone).
    static func releaseLeaseIfHeld(_ rowID: Int64, db: Connection) throws {
        let lease = try RotationLeaseTable.heldBy(db, credential: rowID)
        if lease?.host == ProcessIdentity.host, lease?.pid == ProcessIdentity.pid {
            try RotationLeaseTable.release(db, credential: rowID)
        }
    }

    /// Revokes a pending version left by an interrupted rotation; with `owesRollback` (its hook
    /// speaks protocol 2) it owes its issuer a `rollback` step, since the issuer minted it.
    static func discardPending(_ rowID: Int64, db: Connection, owesRollback: Bool = false) throws {
        if owesRollback { try SecretVersionTable.owe(db, credential: rowID, inState: .pending, .rollback) }
        try SecretVersionTable.discardPending(db, credential: rowID)
    }

    static func nextVersionNumber(_ rowID: Int64, db: Connection) throws -> Int64 {
        (try SecretVersionTable.maxVersion(db, credential: rowID) ?? 0) + 1
    }

    /// Decrypts a checked version of a stored credential, or returns nil for none (or one
    /// without a ciphertext).
    static func open(
        _ version: StoredVersion?, of loaded: CredentialRecords.Loaded, keys: Keyring
    ) throws -> (version: Int64, secret: Secret)? {
        guard let version, let keyID = version.keyID, let ciphertext = version.ciphertext else { return nil }
        do {
            let secret = try SecretVersions.open(
                ciphertext: ciphertext, keyID: keyID, uid: loaded.credential.id, version: version.version, keys: keys
            )
            return (version.version, secret)
        } catch {
            throw Vault.Refusal(error: error, outcome: .error, reason: "integrity check failed")
        }
    }

    /// Makes the new secret current: retires the old current version per `policy`, stores the
    /// new version (or promotes the pending one), sets the new expiry, and releases the lease.
    ///
    /// - Parameters:
    ///   - issuerExpiry: the new token's real expiry, as its issuer reported it: recorded
    ///     instead of the one `policy` intends.
    ///   - owesFinish: the replaced version owes its issuer a `finish` step (hook protocol 2),
    ///     due once the vault no longer accepts it.
    static func promote(
        _ loaded: CredentialRecords.Loaded,
        newSecret: Secret,
        pendingVersion: Int64?,
        policy: RotationPolicy,
        issuerExpiry: UnixTime? = nil,
        owesFinish: Bool = false,
        now: UnixTime,
        keys: Keyring,
        db: Connection
    ) throws -> (version: Int64, reason: String) {
        let rowID = loaded.rowID
        let current = try SecretVersionTable.currentCreation(db, credential: rowID)
        let newVersion = try pendingVersion ?? nextVersionNumber(rowID, db: db)
        // Earlier previous versions: those past their deadline retire, and so do those waiting
        // for the first use of the version being replaced now (that use can no longer come).
        try SecretVersionTable.retireLapsedPrevious(db, credential: rowID, now: now)
        var reason = "version \(newVersion) current"
        if let oldVersion = current?.version {
            if policy.graceSeconds != nil || policy.retireAfterFirstUse {
                let until = policy.graceSeconds.map { now + $0 }
                try SecretVersionTable.makePrevious(
                    db, credential: rowID, version: oldVersion, validUntil: until, retireOnFirstUseOf: policy.retireAfterFirstUse ? newVersion : nil
                )
                var retirement: [String] = []
                if let until { retirement.append("until \(TimeFormat.iso8601(until))") }
                if policy.retireAfterFirstUse { retirement.append("until version \(newVersion) is first used") }
                reason += "; version \(oldVersion) previous " + retirement.joined(separator: " or ")
            } else {
                try SecretVersionTable.setState(db, credential: rowID, version: oldVersion, .revoked)
                reason += "; version \(oldVersion) revoked"
            }
            if owesFinish {
                try SecretVersionTable.owe(db, credential: rowID, version: oldVersion, .finish)
                reason += "; finish step owed for version \(oldVersion)"
            }
        }
        if let pendingVersion {
            guard try SecretVersionTable.promotePending(db, credential: rowID, version: pendingVersion, at: now) else {
                throw VaultError(.integrity, "the pending version vanished during rotation")
            }
        } else {
            let isStored = loaded.credential.kind == .stored
            try SecretVersions.insert(
                credential: rowID, uid: loaded.credential.id, version: newVersion, state: .current,
                secret: isStored ? newSecret : nil, fingerprint: keys.fingerprint(of: newSecret), now: now, keys: keys, db: db
            )
        }
        let expiry = try issuerExpiry ?? newExpiry(loaded.credential, currentCreatedAt: current?.createdAt, policy: policy, now: now)
        try CredentialTable.setExpiry(db, rowID, expiry)
        try RotationLeaseTable.release(db, credential: rowID)
        return (newVersion, reason)
    }

    /// The rotated credential's expiry: the policy's, or the same lifetime as the old version had.
    static func newExpiry(_ credential: Credential, currentCreatedAt: UnixTime?, policy: RotationPolicy, now: UnixTime) throws -> UnixTime? {
        var expiry: UnixTime?
        if let explicit = policy.expiry {
            var template = NewCredential(name: credential.name, scope: credential.scope, expiry: explicit)
            template.isLegacy = credential.isLegacy
            expiry = try template.expiryTime(createdAt: now)
        } else if let expiresAt = credential.expiresAt {
            let lifetime = expiresAt - (currentCreatedAt ?? credential.createdAt)
            expiry = now + max(lifetime, 3_600)
        }
        if credential.kind == .issued {
            guard let chosen = expiry else { throw VaultError.invalid("issued tokens must expire (at most 180 days)") }
            expiry = min(chosen, now + Vault.maximumIssuedLifetime)
        }
        return expiry
    }

    /// The credential as this operation left it, sealed under its event `sealedBy`.
    static func reload(_ rowID: Int64, _ db: Connection, _ authenticator: StateAuthenticator, sealedBy: Int64?) throws -> Credential {
        guard let loaded = try CredentialRecords.byRowID(rowID, db, authenticator, sealedBy: sealedBy) else {
            throw VaultError(.failed, "the credential vanished")
        }
        return loaded.credential
    }
}
