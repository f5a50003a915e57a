internal import TokenVaultCrypto
internal import TokenVaultStore

/// Encrypting and decrypting secret versions, and reading them checked; the SQL is
/// ``SecretVersionTable``'s.
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
        try SecretVersionTable.insert(
            db, credential: rowID, version: version, state: state, keyID: keyID, ciphertext: ciphertext, fingerprint: fingerprint,
            createdAt: now
        )
    }

    /// The current version of a checked credential, checked, or nil when it has none.
    static func readCurrent(
        of credential: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> StoredVersion? {
        try checked(SecretVersionTable.current(db, credential: credential.rowID), of: credential, authenticator)
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
        guard let number = credential.stored.currentVersion,
            let row = try SecretVersionTable.numbered(db, credential: credential.rowID, version: number)
        else {
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
        try checked(SecretVersionTable.numbered(db, credential: credential.rowID, version: number), of: credential, authenticator)
    }

    /// Every version of a checked credential, checked, by number.
    static func readAll(
        of credential: CredentialRecords.Loaded, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> [StoredVersion] {
        try SecretVersionTable.all(db, credential: credential.rowID).compactMap { row throws in try checked(row, of: credential, authenticator) }
    }

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
        guard let (id, count) = try KeyTable.activeDataKey(db) else { throw VaultError(.integrity, "the vault has no active data key") }
        guard id == keys.activeDataKeyID else {
            throw VaultError(.failed, "the vault's data key was rotated by another process; open the vault again")
        }
        guard count < encryptionLimit else {
            throw VaultError(.failed, "the data key reached its encryption limit", hint: "run `tokenvault rotate-data-key`")
        }
        try KeyTable.countEncryption(db, key: id)
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
