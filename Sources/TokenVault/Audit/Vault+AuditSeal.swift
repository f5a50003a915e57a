internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    /// Appends a `seal` event and returns a checkpoint of the trail up to and including it,
    /// signed with the vault's Ed25519 key (created on first use).
    ///
    /// Keep the seal (and the public key, ``sealPublicKey()``) outside the vault, where whoever
    /// can write the vault file cannot reach: a later `verify` with them detects truncation and
    /// rollback, which the chain alone cannot.
    public func sealAuditTrail() throws(VaultError) -> AuditSeal {
        let caller = caller
        let vaultID = keys.vaultID
        return try Vault.mapErrors {
            try queue.write { db in
                try keyCache.refresh(db)
                let keys = self.keys
                let now = clock.now
                guard let signer = try sealKey(db, now: now) else { throw VaultError(.failed, "the seal key could not be created") }
                var record = AuditRecord(.seal)
                let count = (try AuditEventTable.maxSequence(db) ?? 0) + 1
                record.reason = "sealed at event \(count)"
                _ = try AuditLog.append(record, caller: caller, at: now, keys: keys, db: db)
                guard let head = try AuditEventTable.head(db), head.seq == count, let hash = head.hash
                else { throw VaultError(.integrity, "the audit trail's head could not be read back") }
                let message = AuditSeal.signedMessage(vaultID: vaultID, eventCount: count, headHash: hash, sealedAt: now)
                return AuditSeal(
                    vaultID: vaultID, eventCount: count, headHash: hash, sealedAt: now,
                    publicKey: try signer.publicKey.rawRepresentation, signature: try signer.signature(for: message)
                )
            }
        }
    }

    /// The public key that verifies this vault's seals (created with the first seal), or nil.
    ///
    /// Security: the key is derived from the wrapped (authenticated) private key, and the stored
    /// copy must match it: a public key replaced by a writer of the file, which would have
    /// auditors trust seals the writer signs, is refused with ``VaultError/Kind/integrity``.
    public func sealPublicKey() throws(VaultError) -> [UInt8]? {
        try reading { db, _ in
            guard let stored = try SealKeyTable.publicKey(db) else { return nil }
            let derived = try sealKey(db, now: nil)?.publicKey.rawRepresentation
            guard derived == stored else { throw StateViolation(table: "seal_keys", credential: nil, problem: .forged) }
            return stored
        }
    }

    /// The seal key, checked against its stored public key; created and stored (wrapped) on
    /// first use when `now` is given, else nil when there is none yet.
    private func sealKey(_ db: Connection, now: UnixTime?) throws -> Ed25519.PrivateKey? {
        let keys = self.keys
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/seal-key")
        encoder.append(keys.vaultID)
        let aad = encoder.bytes
        if let stored = try SealKeyTable.key(db), let wrapped = stored.wrappedSeed {
            let key: Ed25519.PrivateKey
            do { key = try Ed25519.PrivateKey(seed: AESGCM.open(wrapped, using: keys.sealWrapKey, authenticating: aad)) } catch {
                throw VaultError(.integrity, "the vault's seal key fails its integrity check")
            }
            guard try key.publicKey.rawRepresentation == stored.publicKey else {
                throw StateViolation(table: "seal_keys", credential: nil, problem: .forged)
            }
            return key
        }
        guard let now else { return nil }
        let key = try Ed25519.PrivateKey.generate()
        try SealKeyTable.insert(
            db, publicKey: try key.publicKey.rawRepresentation,
            wrappedSeed: try AESGCM.seal(key.rawRepresentation, using: keys.sealWrapKey, authenticating: aad), createdAt: now
        )
        return key
    }
}
