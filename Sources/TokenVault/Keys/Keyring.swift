internal import TokenVaultCrypto
internal import TokenVaultStore

/// How the vault's key-encryption key (KEK) is obtained, as recorded in `vault_meta`.
struct VaultMeta: Sendable {
    enum KEKKind: String, Sendable { case key, scrypt }

    let vaultID: [UInt8]
    let createdAt: UnixTime
    let kekKind: KEKKind
    let salt: [UInt8]?
    let scrypt: Scrypt.Parameters?

    static func read(_ db: Connection) throws -> VaultMeta {
        guard let row = try db.row("SELECT vault_id, created_at, kek_kind, kdf_salt, kdf_n, kdf_r, kdf_p FROM vault_meta"),
            let vaultID = row.blob(0), vaultID.count == 16,
            let kind = row.string(2).flatMap(KEKKind.init(rawValue:))
        else {
            throw VaultError(.integrity, "the vault has no valid header: it is damaged or not a TokenVault vault")
        }
        var parameters: Scrypt.Parameters?
        if kind == .scrypt {
            guard let n = row.int64(4), let r = row.int64(5), let p = row.int64(6), n > 0, r > 0, p > 0 else {
                throw VaultError(.integrity, "the vault's scrypt parameters are missing or invalid")
            }
            parameters = Scrypt.Parameters(n: UInt64(n), r: UInt64(r), p: UInt64(p))
        }
        return VaultMeta(
            vaultID: vaultID, createdAt: row.int64(1) ?? 0, kekKind: kind, salt: row.blob(3), scrypt: parameters
        )
    }

    /// Derives the KEK from `source`, checking that the source fits this vault.
    func keyEncryptionKey(from source: KeySource) throws(VaultError) -> SymmetricKey {
        switch kekKind {
        case .key:
            guard !source.isPassphrase else {
                throw VaultError(.locked, "this vault is unlocked with a key file or key command, not a passphrase")
            }
            return try source.rawKey()
        case .scrypt:
            guard let passphrase = try source.passphraseBytes(), let salt, let scrypt else {
                throw VaultError(.locked, "this vault is unlocked with a passphrase, not a key file or key command")
            }
            guard scrypt.isSupported else {
                throw VaultError(.integrity, "the vault's scrypt parameters are outside the supported range")
            }
            do {
                return try Scrypt.deriveKey(from: passphrase, salt: salt, parameters: scrypt)
            } catch {
                throw VaultError(.failed, "scrypt failed (not enough memory?)")
            }
        }
    }
}

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
    let stateMAC: KeyedHMAC

    enum Purpose: String { case data, mac }

    /// Unwraps every live key with the KEK.
    ///
    /// - Throws: ``VaultError/Kind/locked`` when no key opens (the KEK is wrong);
    ///   ``VaultError/Kind/integrity`` when some open and others do not (a wrapped key was altered).
    static func unlock(_ db: Connection, meta: VaultMeta, kek: SymmetricKey) throws -> Keyring {
        var data: [Int64: SymmetricKey] = [:]
        var activeData: Int64?
        var mac: SymmetricKey?
        var failures = 0
        let rows = try db.rows("SELECT id, purpose, wrapped FROM keys WHERE state = 'active' ORDER BY id")
        for row in rows {
            guard let id = row.int64(0), let purpose = row.string(1).flatMap(Purpose.init(rawValue:)),
                let wrapped = row.blob(2)
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
            throw VaultError(.locked, "wrong key: it does not unlock this vault")
        }
        guard failures == 0, let activeData, let mac else {
            throw VaultError(.integrity, "the vault's wrapped keys fail their integrity check (tampered or damaged)")
        }
        let auditKey = try mac.derive(label: "tokenvault/v1/audit-mac")
        let lookupKey = try mac.derive(label: "tokenvault/v1/lookup")
        return Keyring(
            vaultID: meta.vaultID,
            dataKeys: data,
            activeDataKeyID: activeData,
            auditKey: auditKey,
            sealWrapKey: try mac.derive(label: "tokenvault/v1/seal-key-wrap"),
            auditMAC: try KeyedHMAC(key: auditKey),
            lookupMAC: try KeyedHMAC(key: lookupKey),
            stateMAC: try KeyedHMAC(key: mac.derive(label: "tokenvault/v1/state"))
        )
    }

    /// Unwraps every active key with `kek`, inside the caller's transaction: a key change must
    /// start from the KEK the file really uses, or it would leave keys wrapped under two KEKs.
    ///
    /// - Throws: ``VaultError/Kind/locked`` when `kek` opens none of them (another process
    ///   rekeyed the vault); ``VaultError/Kind/integrity`` when it opens only some.
    static func unwrapAll(_ db: Connection, vaultID: [UInt8], kek: SymmetricKey) throws -> [(id: Int64, purpose: Purpose, key: SymmetricKey)] {
        var keys: [(id: Int64, purpose: Purpose, key: SymmetricKey)] = []
        let rows = try db.rows("SELECT id, purpose, wrapped FROM keys WHERE state = 'active' ORDER BY id")
        for row in rows {
            guard let id = row.int64(0), let purpose = row.string(1).flatMap(Purpose.init(rawValue:)), let wrapped = row.blob(2),
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

/// An unambiguous byte encoding for hashing and associated data: a domain label, then each
/// field as a type tag, a 4-byte big-endian length and the bytes. No two field lists encode alike.
/// The bytes of each field are written by ``CanonicalField``, which the audit walk also uses.
struct CanonicalEncoder {
    private(set) var bytes: [UInt8] = []

    init(domain: String) {
        bytes.reserveCapacity(256)
        append(domain)
    }

    mutating func append(_ data: [UInt8]) {
        data.withUnsafeBytes { append(.blob($0)) }
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(.text(UnsafeRawBufferPointer($0))) }
    }

    mutating func append(_ number: Int64) {
        append(.integer(number))
    }

    mutating func append(_ text: String?) {
        if let text { append(text) } else { append(.null) }
    }

    mutating func append(_ number: Int64?) {
        if let number { append(number) } else { append(.null) }
    }

    mutating func append(_ data: [UInt8]?) {
        if let data { append(data) } else { append(.null) }
    }

    private mutating func append(_ field: CanonicalField) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: field.count))
        bytes.withUnsafeMutableBytes { field.write(to: $0.baseAddress! + start) }
    }
}

/// One field of a canonical encoding, its bytes held elsewhere: ``CanonicalEncoder`` writes every
/// field through it, and the audit walk encodes rows straight from SQLite's buffers into an
/// ``EncodingBuffer`` with it. The one place that knows the tags and the length prefix.
enum CanonicalField {
    case null
    case integer(Int64)
    /// UTF-8 bytes.
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)

    /// The length of the field's encoding.
    var count: Int {
        switch self {
        case .null: 1
        case .integer: 13
        case .text(let bytes), .blob(let bytes): 5 + bytes.count
        }
    }

    /// Writes the field's encoding at `out`, which has room for ``count`` bytes.
    func write(to out: UnsafeMutableRawPointer) {
        switch self {
        case .null:
            out.storeBytes(of: 0x6E, as: UInt8.self)
        case .integer(let number):
            out.storeBytes(of: 0x69, as: UInt8.self)
            out.storeBytes(of: UInt32(8).bigEndian, toByteOffset: 1, as: UInt32.self)
            out.storeBytes(of: UInt64(bitPattern: number).bigEndian, toByteOffset: 5, as: UInt64.self)
        case .text(let bytes):
            Self.write(tag: 0x73, bytes, to: out)
        case .blob(let bytes):
            Self.write(tag: 0x62, bytes, to: out)
        }
    }

    private static func write(tag: UInt8, _ bytes: UnsafeRawBufferPointer, to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: tag, as: UInt8.self)
        out.storeBytes(of: UInt32(bytes.count).bigEndian, toByteOffset: 1, as: UInt32.self)
        if let base = bytes.baseAddress { (out + 5).copyMemory(from: base, byteCount: bytes.count) }
    }
}

/// A reusable buffer for one canonical encoding at a time, written a field at a time with one
/// copy each: the audit walk encodes millions of rows in one. (``CanonicalEncoder`` appends to
/// an array piece by piece, which costs more than the copying itself for an event's short
/// fields.) Used by one thread at a time.
final class EncodingBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    /// The bytes written.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        storage = .allocate(byteCount: self.capacity, alignment: 1)
    }

    deinit { storage.deallocate() }

    /// Empties the buffer, keeping its storage.
    func removeAll() {
        count = 0
    }

    func append(_ field: CanonicalField) {
        let end = count + field.count
        if end > capacity { grow(to: end) }
        field.write(to: storage + count)
        count = end
    }

    /// The bytes written, valid during the call.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// At least doubles, so that growing costs O(1) per byte.
    private func grow(to length: Int) {
        let grown = max(length, 2 * capacity)
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
        bigger.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = bigger
        capacity = grown
    }
}

@available(*, unavailable, message: "An EncodingBuffer is used by one thread at a time")
extension EncodingBuffer: Sendable {}
