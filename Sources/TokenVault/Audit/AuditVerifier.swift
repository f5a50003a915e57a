internal import TokenVaultCrypto
internal import TokenVaultStore

/// The first problem found in an audit trail.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// An event's sequence number is missing: it was deleted.
        case missing
        /// An event does not match its recorded hash: it was edited, or the event before it
        /// was deleted, inserted or moved.
        case altered
        /// An event's hash is consistent but its MAC is not: the chain was recomputed by someone
        /// without the audit key.
        case forged
        /// The trail is shorter than a seal says: events were cut off, or the file rolled back.
        case truncated
        /// The trail's event at the sealed position differs from the seal: rewritten or rolled back.
        case sealMismatch
    }

    public let kind: Kind
    /// The first bad event (for `truncated`, the first event the seal covers that is gone).
    public let sequence: Int64
    public let description: String
}

/// What a verification found.
public struct AuditReport: Sendable {
    /// Events read and checked.
    public let eventsChecked: Int64
    /// The hash of the last good event (the chain head when intact).
    public let headHash: [UInt8]
    /// The first problem, or nil when the trail is intact.
    public let problem: AuditProblem?
    /// With a seal: how many events follow the sealed position (not covered by the seal).
    public let eventsAfterSeal: Int64?

    public var isIntact: Bool { problem == nil }
}

/// A signed checkpoint of the audit trail (SPEC C16), kept away from the vault.
///
/// Its text form, one field per line:
///
/// ```
/// tokenvault-seal v1
/// vault-id: 5f0c…
/// events: 1234
/// head: 9a41…
/// sealed-at: 2026-11-22T20:00:00Z
/// public-key: 3b6a…
/// signature: 77c2…
/// ```
///
/// The signature is Ed25519 over a canonical encoding of vault id, event count, head hash and time.
public struct AuditSeal: Sendable, Equatable {
    public let vaultID: [UInt8]
    public let eventCount: Int64
    public let headHash: [UInt8]
    public let sealedAt: UnixTime
    public let publicKey: [UInt8]
    public let signature: [UInt8]

    static func signedMessage(vaultID: [UInt8], eventCount: Int64, headHash: [UInt8], sealedAt: UnixTime) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/audit-seal")
        encoder.append(vaultID)
        encoder.append(eventCount)
        encoder.append(headHash)
        encoder.append(sealedAt)
        return encoder.bytes
    }

    /// The seal's text form.
    public var text: String {
        """
        tokenvault-seal v1
        vault-id: \(Hex.encode(vaultID))
        events: \(eventCount)
        head: \(Hex.encode(headHash))
        sealed-at: \(TimeFormat.iso8601(sealedAt))
        public-key: \(Hex.encode(publicKey))
        signature: \(Hex.encode(signature))

        """
    }

    /// Parses a seal's text form.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for anything that is not a well-formed seal.
    public init(text: String) throws(VaultError) {
        let bad = VaultError(.invalidInput, "not a TokenVault audit seal (or a damaged one)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard text.utf8.count < 4_096, lines.first == "tokenvault-seal v1", lines.count == 7 else { throw bad }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw bad }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingPrefix(" ").description
        }
        guard let vault = fields["vault-id"].flatMap({ Hex.decode($0.utf8) }), vault.count == 16,
            let count = fields["events"].flatMap({ Int64($0) }), count >= 1,
            let head = fields["head"].flatMap({ Hex.decode($0.utf8) }), head.count == 32,
            let time = fields["sealed-at"], let sealedAt = try? TimeFormat.parseDate(time),
            let key = fields["public-key"].flatMap({ Hex.decode($0.utf8) }), key.count == 32,
            let signature = fields["signature"].flatMap({ Hex.decode($0.utf8) }), signature.count == 64
        else { throw bad }
        self.init(vaultID: vault, eventCount: count, headHash: head, sealedAt: sealedAt, publicKey: key, signature: signature)
    }

    init(vaultID: [UInt8], eventCount: Int64, headHash: [UInt8], sealedAt: UnixTime, publicKey: [UInt8], signature: [UInt8]) {
        self.vaultID = vaultID
        self.eventCount = eventCount
        self.headHash = headHash
        self.sealedAt = sealedAt
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// Lowercase hexadecimal for public values (hashes, keys, ids) in output. Never for secrets.
public enum HexText {
    public static func string(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
}

/// The text form of a seal-verification public key: `tokenvault-ed25519-public-key <64 hex>`.
public enum SealPublicKey {
    static let prefix = "tokenvault-ed25519-public-key "

    public static func text(_ key: [UInt8]) -> String { prefix + Hex.encode(key) + "\n" }

    /// Parses the text form.
    public static func parse(_ text: String) throws(VaultError) -> [UInt8] {
        var trimmed = Substring(text)
        while let last = trimmed.last, last == "\n" || last == "\r\n" || last == "\r" || last == " " { trimmed = trimmed.dropLast() }
        guard trimmed.hasPrefix(prefix), let key = Hex.decode(trimmed.dropFirst(prefix.count).utf8), key.count == 32 else {
            throw VaultError(.invalidInput, "not a TokenVault seal public key")
        }
        return key
    }
}

/// Walks an audit trail and checks its chain: sequence, hashes, and (with the audit key) MACs.
enum AuditChainWalker {
    /// Checks every event of the trail in `db`. With `auditKey`, MACs too; with `seal`, stops
    /// comparing at the sealed position and counts the events after it.
    static func walk(_ db: Connection, vaultID: [UInt8], auditKey: SymmetricKey?, seal: AuditSeal?) throws -> AuditReport {
        var previous = AuditLog.genesisHash(vaultID: vaultID)
        var expected: Int64 = 1
        var problem: AuditProblem?
        var checkedHead = previous
        var sealMatched = seal == nil
        // One keyed HMAC context and one digest context for the whole walk.
        let hasher = try SHA256Context()
        let authenticator = try auditKey.map { key throws in try HMACContext(key: key) }
        let statement = try db.prepare("SELECT \(AuditLog.selectColumns), hash, mac FROM audit_events ORDER BY seq")
        try statement.forEach { row in
            guard problem == nil else { return }
            let event = AuditLog.event(from: row)
            if event.sequence != expected {
                problem = AuditProblem(kind: .missing, sequence: expected, description: "event \(expected) is missing (deleted)")
                return
            }
            let hash = hasher.hash(previous, AuditLog.encode(event))
            guard let stored = row.blob(12), ConstantTime.equals(stored, hash) else {
                problem = AuditProblem(
                    kind: .altered, sequence: expected,
                    description: "event \(expected) does not match its hash: it was edited, or an event before it was deleted, inserted or moved"
                )
                return
            }
            if let authenticator {
                guard let mac = row.blob(13), ConstantTime.equals(mac, authenticator.authenticate(hash)) else {
                    problem = AuditProblem(
                        kind: .forged, sequence: expected,
                        description: "event \(expected) has a valid hash but an invalid MAC: the chain was rewritten without the audit key"
                    )
                    return
                }
            }
            if let seal, expected == seal.eventCount {
                guard ConstantTime.equals(hash, seal.headHash) else {
                    problem = AuditProblem(
                        kind: .sealMismatch, sequence: expected,
                        description: "event \(expected) differs from the sealed one: the trail was rewritten or rolled back"
                    )
                    return
                }
                sealMatched = true
            }
            previous = hash
            checkedHead = hash
            expected += 1
        }
        let checked = expected - 1
        if problem == nil, let seal, !sealMatched {
            problem = AuditProblem(
                kind: .truncated, sequence: checked + 1,
                description: "the trail has \(checked) events but the seal covers \(seal.eventCount): events were cut off or the file was rolled back"
            )
        }
        let after = seal.map { max(0, checked - $0.eventCount) }
        return AuditReport(eventsChecked: checked, headHash: checkedHead, problem: problem, eventsAfterSeal: after)
    }
}

extension Vault {
    /// Verifies the whole audit trail with the vault's audit key: every event present in order,
    /// matching its hash, with a valid MAC (SPEC C16).
    ///
    /// ```swift
    /// let report = try vault.verifyAuditTrail()
    /// if let problem = report.problem { alert(problem.description) }
    /// ```
    ///
    /// An intact report proves no event was edited, inserted, deleted or reordered, except that
    /// events cut off the *end* of the trail leave no trace without a seal (see
    /// ``sealAuditTrail()`` and docs/audit-format.md).
    public func verifyAuditTrail() throws(VaultError) -> AuditReport {
        let keys = self.keys
        return try reading { db, _ in try AuditChainWalker.walk(db, vaultID: keys.vaultID, auditKey: keys.auditKey, seal: nil) }
    }

    /// Appends a `seal` event and returns a checkpoint of the trail up to and including it,
    /// signed with the vault's Ed25519 key (created on first use).
    ///
    /// Keep the seal (and the public key, ``sealPublicKey()``) outside the vault, where whoever
    /// can write the vault file cannot reach: a later `verify` with them detects truncation and
    /// rollback, which the chain alone cannot.
    public func sealAuditTrail() throws(VaultError) -> AuditSeal {
        let actor = configuration.actor
        let vaultID = keys.vaultID
        return try Vault.mapErrors {
            try queue.write { db in
                try keyCache.refresh(db)
                let keys = self.keys
                let now = clock.now
                let signer = try sealKey(db, now: now)
                var record = AuditRecord(.seal)
                let count = (try db.row("SELECT max(seq) FROM audit_events")?.int64(0) ?? 0) + 1
                record.reason = "sealed at event \(count)"
                _ = try AuditLog.append(record, actor: actor, at: now, keys: keys, db: db)
                guard let head = try db.row("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"),
                    head.int64(0) == count, let hash = head.blob(1)
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
    public func sealPublicKey() throws(VaultError) -> [UInt8]? {
        try reading { db, _ in try db.row("SELECT public_key FROM seal_keys")?.blob(0) }
    }

    /// The seal key, created and stored (wrapped) on first use.
    private func sealKey(_ db: Connection, now: UnixTime) throws -> Ed25519.PrivateKey {
        let keys = self.keys
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/seal-key")
        encoder.append(keys.vaultID)
        let aad = encoder.bytes
        if let row = try db.row("SELECT wrapped_seed FROM seal_keys WHERE id = 1"), let wrapped = row.blob(0) {
            do { return try Ed25519.PrivateKey(seed: AESGCM.open(wrapped, using: keys.sealWrapKey, authenticating: aad)) } catch {
                throw VaultError(.integrity, "the vault's seal key fails its integrity check")
            }
        }
        let key = try Ed25519.PrivateKey.generate()
        try db.execute(
            "INSERT INTO seal_keys (id, public_key, wrapped_seed, created_at) VALUES (1, ?, ?, ?)",
            [try key.publicKey.rawRepresentation, try AESGCM.seal(key.rawRepresentation, using: keys.sealWrapKey, authenticating: aad), now]
        )
        return key
    }
}

/// Verification of a vault's audit trail against a seal, without the vault's key (for auditors).
public enum AuditSealVerifier {
    /// Checks `seal`'s signature with `publicKey`, then the trail in the vault file at `path`:
    /// its vault id, its sequence and hash chain up to the sealed position, and that the event
    /// there is the sealed one. Events after the seal are chain-checked and counted.
    ///
    /// - Returns: the report; ``AuditReport/problem`` names the first bad event, a truncation
    ///   or a rollback.
    /// - Throws: ``VaultError/Kind/integrity`` when the seal's signature is invalid or it
    ///   belongs to another vault; ``VaultError/Kind/notFound`` when there is no vault file.
    public static func verify(vaultAt path: String, seal: AuditSeal, publicKey: [UInt8]) throws(VaultError) -> AuditReport {
        let key: Ed25519.PublicKey
        do { key = try Ed25519.PublicKey(rawRepresentation: publicKey) } catch { throw .invalid("the public key is malformed") }
        let message = AuditSeal.signedMessage(vaultID: seal.vaultID, eventCount: seal.eventCount, headHash: seal.headHash, sealedAt: seal.sealedAt)
        guard key.isValidSignature(seal.signature, for: message) else {
            throw VaultError(.integrity, "the seal's signature does not verify with this public key")
        }
        try Vault.requireVaultFile(at: path)
        return try Vault.mapErrors {
            var options = Connection.Options()
            options.busyTimeoutMilliseconds = 5_000
            let db = try Connection(path: path, options: options)
            try db.execute("BEGIN DEFERRED")
            defer { try? db.execute("ROLLBACK") }
            guard let vaultID = try db.row("SELECT vault_id FROM vault_meta")?.blob(0) else {
                throw VaultError(.integrity, "the vault has no valid header")
            }
            guard vaultID == seal.vaultID else { throw VaultError(.integrity, "the seal belongs to another vault") }
            return try AuditChainWalker.walk(db, vaultID: vaultID, auditKey: nil, seal: seal)
        }
    }
}
