internal import TokenVaultCrypto
internal import TokenVaultStore

/// The vault's unwrapped keys, held in wiped memory for the life of a `Vault`.
///
/// - `data` keys encrypt secrets (one active; older ones stay until `rotate-data-key`
///   re-encrypts and destroys them);
/// - the `mac` key is the root of the audit key (the chain's MACs) and the lookup key
///   (fingerprints and issued-token hashes). It is never replaced, so a key change never
///   breaks verification of old events or old tokens.
struct Keyring: Sendable {
    let vaultID: [UInt8]
    let dataKeys: [Int64: SymmetricKey]
    let activeDataKeyID: Int64
    let auditKey: SymmetricKey
    /// Wraps the Ed25519 seal key's seed.
    let sealWrapKey: SymmetricKey
    /// The audit key, set up once for the MAC of every appended event.
    let auditMAC: KeyedHMAC
    /// The lookup key (fingerprints of stored secrets, hashes of issued tokens), set up once.
    let lookupMAC: KeyedHMAC
    /// The state key, which authenticates the rows that decisions depend on (``StateAuthenticator``).
    let stateKey: SymmetricKey
    /// The state key, set up once for the checks of every read.
    let stateMAC: KeyedHMAC

    enum Purpose: String { case data, mac }

    /// The columns of a wrapped key, in `SELECT` order.
    enum KeyColumn: Int, ColumnList {
        case id, purpose, wrapped
    }

    /// Unwraps every live key with the KEK.
    ///
    /// - Throws: ``VaultError/Kind/locked`` when no key opens (the KEK is wrong);
    ///   ``VaultError/Kind/integrity`` when some open and others do not (a wrapped key was altered).
    static func unlock(_ db: Connection, meta: VaultMeta, kek: SymmetricKey) throws -> Keyring {
        var data: [Int64: SymmetricKey] = [:]
        var activeData: Int64?
        var mac: SymmetricKey?
        var failures = 0
        let rows = try KeyTable.activeKeys(db)
        for row in rows {
            guard let id = row.int64(KeyColumn.id), let purpose = row.string(KeyColumn.purpose).flatMap(Purpose.init(rawValue:)),
                let wrapped = row.blob(KeyColumn.wrapped)
            else { throw VaultError(.integrity, "the vault's key table is damaged") }
            guard let key = try? unwrap(wrapped, id: id, purpose: purpose, vaultID: meta.vaultID, kek: kek) else {
                failures += 1
                continue
            }
            switch purpose {
            case .data:
                data[id] = key
                activeData = id
            case .mac:
                mac = key
            }
        }
        if failures > 0 && failures == rows.count {
            throw VaultError(
                .locked, "wrong key: it does not unlock this vault",
                hint: "if the vault was rekeyed, use its new key: an older key opens only copies made before the rekey"
            )
        }
        guard failures == 0, let activeData, let mac else {
            throw VaultError(.integrity, "the vault's wrapped keys fail their integrity check (tampered or damaged)")
        }
        let auditKey = try mac.derive(label: "tokenvault/v1/audit-mac")
        let lookupKey = try mac.derive(label: "tokenvault/v1/lookup")
        let stateKey = try mac.derive(label: "tokenvault/v1/state")
        return Keyring(
            vaultID: meta.vaultID,
            dataKeys: data,
            activeDataKeyID: activeData,
            auditKey: auditKey,
            sealWrapKey: try mac.derive(label: "tokenvault/v1/seal-key-wrap"),
            auditMAC: try KeyedHMAC(key: auditKey),
            lookupMAC: try KeyedHMAC(key: lookupKey),
            stateKey: stateKey,
            stateMAC: try KeyedHMAC(key: stateKey)
        )
    }

    /// Unwraps every active key with `kek`, inside the caller's transaction: a key change must
    /// start from the KEK the file really uses, or it would leave keys wrapped under two KEKs.
    ///
    /// - Throws: ``VaultError/Kind/locked`` when `kek` opens none of them (another process
    ///   rekeyed the vault); ``VaultError/Kind/integrity`` when it opens only some.
    static func unwrapAll(_ db: Connection, vaultID: [UInt8], kek: SymmetricKey) throws -> [(id: Int64, purpose: Purpose, key: SymmetricKey)] {
        var keys: [(id: Int64, purpose: Purpose, key: SymmetricKey)] = []
        let rows = try KeyTable.activeKeys(db)
        for row in rows {
            guard let id = row.int64(KeyColumn.id), let purpose = row.string(KeyColumn.purpose).flatMap(Purpose.init(rawValue:)),
                let wrapped = row.blob(KeyColumn.wrapped),
                let key = try? unwrap(wrapped, id: id, purpose: purpose, vaultID: vaultID, kek: kek)
            else { continue }
            keys.append((id, purpose, key))
        }
        if keys.isEmpty && !rows.isEmpty {
            throw VaultError(.locked, "the vault was rekeyed by another process; open it again with the new key")
        }
        guard keys.count == rows.count else {
            throw VaultError(.integrity, "the vault's wrapped keys fail their integrity check (tampered or damaged)")
        }
        return keys
    }

    /// Wraps `key` under the KEK, bound to this vault, key id and purpose.
    static func wrap(_ key: SymmetricKey, id: Int64, purpose: Purpose, vaultID: [UInt8], kek: SymmetricKey) throws -> [UInt8] {
        try AESGCM.seal(key.bytesForWrapping, using: kek, authenticating: wrapAAD(id: id, purpose: purpose, vaultID: vaultID))
    }

    static func unwrap(
        _ wrapped: [UInt8], id: Int64, purpose: Purpose, vaultID: [UInt8], kek: SymmetricKey
    ) throws -> SymmetricKey {
        try SymmetricKey(AESGCM.open(wrapped, using: kek, authenticating: wrapAAD(id: id, purpose: purpose, vaultID: vaultID)))
    }

    private static func wrapAAD(id: Int64, purpose: Purpose, vaultID: [UInt8]) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/key-wrap")
        encoder.append(vaultID)
        encoder.append(id)
        encoder.append(purpose.rawValue)
        return encoder.bytes
    }

    /// The associated data of a secret's ciphertext: vault, credential, version and key.
    /// A ciphertext copied to any other row fails to open.
    func secretAAD(credentialID: String, version: Int64, keyID: Int64) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/secret")
        encoder.append(vaultID)
        encoder.append(credentialID)
        encoder.append(version)
        encoder.append(keyID)
        return encoder.bytes
    }

    /// The keyed fingerprint of a secret: HMAC-SHA256(lookup key, secret).
    func fingerprint(of secret: Secret) -> [UInt8] { lookupMAC.authenticate(secret.bytes) }
}

extension SymmetricKey {
    /// The key's bytes as a `SecureBytes` to seal (wrapping); the copy is wiped on release.
    var bytesForWrapping: SecureBytes { withUnsafeBytes { SecureBytes(copying: $0) } }
}
