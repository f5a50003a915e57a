internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    /// Changes the key-encryption key: every wrapped key is unwrapped with the old KEK
    /// and wrapped with the new one, in one transaction. O(number of keys): secrets are not
    /// touched. The old key file or passphrase no longer opens the vault afterwards.
    ///
    /// ```swift
    /// try vault.rekey(to: .keyFile("/etc/tokenvault/new.key"))
    /// ```
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for a passphrase shorter than 12 characters or
    ///   scrypt parameters below ``Vault/PassphraseCost/minimumN`` or out of range; ``VaultError/Kind/locked`` when the new key cannot be read.
    ///
    /// Security: the audit key and lookup key derive from the MAC key, which is re-wrapped, not
    /// replaced, so old audit events and issued tokens stay verifiable.
    public func rekey(to newKey: KeySource, passphraseCost: PassphraseCost = .default) throws(VaultError) {
        let cost = try passphraseCost.validated()
        let (newKEK, salt) = try Vault.newKeyEncryptionKey(from: newKey, cost: cost)
        let oldKEK = keyCache.kek
        try audited(AuditRecord(.rekey)) { db, _, record in
            let meta = try VaultMeta.read(db)
            _ = try StoredMeta.verifiedEpoch(db, keys: keys)
            for (id, purpose, key) in try Keyring.unwrapAll(db, vaultID: meta.vaultID, kek: oldKEK) {
                let rewrapped = try Keyring.wrap(key, id: id, purpose: purpose, vaultID: meta.vaultID, kek: newKEK)
                try KeyTable.rewrap(db, id: id, wrapped: rewrapped)
            }
            let isPassphrase = salt != nil
            try VaultMetaTable.setKeyEncryption(
                db, kind: isPassphrase ? .scrypt : .key, salt: salt, n: isPassphrase ? Int64(cost.n) : nil,
                r: isPassphrase ? Int64(cost.r) : nil, p: isPassphrase ? Int64(cost.p) : nil
            )
            try StoredMeta.seal(db, keys: keys)
            record.reason = "key-encryption key changed (now a \(isPassphrase ? "passphrase" : "key file or key command"))"
        }
        keyCache.replace(kek: newKEK, keyring: keys)
        _ = try? queue.withConnection { db in Records.foldWriteAheadLog(db) }
    }

    /// Makes a new data key, re-encrypts every stored secret under it in one transaction, and
    /// destroys the old one.
    ///
    /// Other processes with the vault open pick up the new key on their next operation.
    ///
    /// - Returns: the number of secret versions re-encrypted.
    /// - Throws: ``VaultError/Kind/integrity`` if any stored secret fails authentication (then
    ///   nothing changes).
    @discardableResult
    public func rotateDataKey() throws(VaultError) -> Int {
        let newKey: SymmetricKey
        do { newKey = try SymmetricKey.generate() } catch { throw .failed("the random generator failed") }
        let kek = keyCache.kek
        let count = try audited(AuditRecord(.rotateDataKey)) { db, _, record in
            let keys = self.keys
            // The new key must be wrapped under the KEK the file uses now (not one a concurrent
            // rekey just replaced): check that ours still opens every wrapped key.
            _ = try Keyring.unwrapAll(db, vaultID: keys.vaultID, kek: kek)
            let newID = (try KeyTable.maxID(db) ?? 0) + 1
            let old = try KeyTable.activeDataKeyIDs(db)
            try KeyTable.destroyDataKeys(db)
            try KeyTable.insert(
                db, id: newID, purpose: .data, wrapped: try Keyring.wrap(newKey, id: newID, purpose: .data, vaultID: keys.vaultID, kek: kek),
                createdAt: clock.now
            )
            // Each credential's rows are checked before its secrets are re-encrypted, and sealed
            // again afterwards under the same event (the key id is covered, the state is not changed).
            let authenticator = stateAuthenticator
            var count: Int64 = 0
            for row in try SecretVersionTable.credentialsWithCiphertext(db) {
                guard let rowID = row.int64(0), let snapshot = try CredentialSnapshot.load(rowID: rowID, db, authenticator),
                    let seq = snapshot.credential.stateSeq
                else { throw StateViolation(table: "secret_versions", credential: nil, problem: .malformed) }
                let uid = snapshot.credential.uid
                for version in snapshot.versions {
                    guard let keyID = version.keyID, let ciphertext = version.ciphertext else { continue }
                    let secret = try SecretVersions.open(ciphertext: ciphertext, keyID: keyID, uid: uid, version: version.version, keys: keys)
                    let aad = keys.secretAAD(credentialID: uid, version: version.version, keyID: newID)
                    try SecretVersionTable.reencrypt(
                        db, credential: rowID, version: version.version, keyID: newID,
                        ciphertext: try AESGCM.seal(secret.bytes, using: newKey, authenticating: aad)
                    )
                    count += 1
                }
                try StateSealer.reseal(rowID: rowID, seq: seq, db, authenticator)
            }
            try KeyTable.setEncryptions(db, key: newID, count)
            record.reason =
                "re-encrypted \(count) secret versions under data key \(newID); destroyed data key "
                + old.map(String.init).joined(separator: ", ")
            return Int(count)
        }
        // Load the new key here too, and leave no copy of the old wrapped key in the WAL.
        try reading { _, _ in }
        _ = try? queue.withConnection { db in Records.foldWriteAheadLog(db) }
        return count
    }
}
