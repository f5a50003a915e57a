internal import Glibc
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
        /// A state row (a credential, its grants, versions or names, the vault header) fails its
        /// MAC or is malformed: written by someone without the key.
        case stateForged
        /// A state row is authentic but older than its credential's newest state-changing event:
        /// restored from an older copy.
        case stateStale
        /// A state row the trail or the credential's state requires is gone.
        case stateMissing
    }

    public let kind: Kind
    /// The first bad event (for `truncated`, the first event the seal covers that is gone); for
    /// a state problem, 0.
    public let sequence: Int64
    public let description: String
    /// For a state problem: the table of the first bad row.
    public let table: String?
    /// For a state problem: the credential the row belongs to (its name, or its id once deleted).
    public let credential: String?

    public init(kind: Kind, sequence: Int64, description: String, table: String? = nil, credential: String? = nil) {
        self.kind = kind
        self.sequence = sequence
        self.description = description
        self.table = table
        self.credential = credential
    }
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
    /// With the vault's key: how many credentials' state was checked against the trail (nil
    /// for a verification without the key, which cannot check state).
    public let credentialsChecked: Int64?

    public var isIntact: Bool { problem == nil }

    init(eventsChecked: Int64, headHash: [UInt8], problem: AuditProblem?, eventsAfterSeal: Int64?, credentialsChecked: Int64? = nil) {
        self.eventsChecked = eventsChecked
        self.headHash = headHash
        self.problem = problem
        self.eventsAfterSeal = eventsAfterSeal
        self.credentialsChecked = credentialsChecked
    }
}

/// A signed checkpoint of the audit trail, kept away from the vault.
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
///
/// Every row stores its own hash, so each event can be checked against the stored hash of the
/// event before it, independently of the others. The walk splits the trail into parts by `seq`
/// and checks them in parallel, each on its own connection, all reading one snapshot
/// (``ParallelSnapshot``); of the problems the parts find, the one with the lowest sequence
/// number is named: the same first problem that a walk from the first event stops at.
enum AuditChainWalker {
    /// How many parts a walk uses: two per processor (at most 16), so that when one processor
    /// is slowed down (by other work on the machine), the others take over its remaining parts.
    static var defaultParts: Int { 2 * max(1, min(8, sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Checks every event of the trail in the vault file at `path`. With `auditKey`, MACs too;
    /// with `seal`, stops comparing at the sealed position and counts the events after it.
    static func walk(
        path: String, options: Connection.Options, vaultID: [UInt8], auditKey: SymmetricKey?, seal: AuditSeal?,
        parts: Int = defaultParts
    ) throws -> AuditReport {
        let genesis = Digest32(AuditLog.genesisHash(vaultID: vaultID))!
        let results = try ParallelSnapshot.read(path: path, options: options, parts: parts) { part, parts, db in
            try checkPart(part, of: parts, db, genesis: genesis, auditKey: auditKey, seal: seal)
        }
        // The lowest sequence number comes first; on a tie, the earlier part, which read the event.
        let found = results.compactMap(\.finding).min { $0.problem.sequence < $1.problem.sequence }
        let checked = found.map { $0.problem.sequence - 1 } ?? results[results.count - 1].lastSequence
        var problem = found?.problem
        if problem == nil, let seal, checked < seal.eventCount {
            problem = .truncated(checked: checked, sealed: seal.eventCount)
        }
        return AuditReport(
            eventsChecked: checked, headHash: (found?.head ?? results[results.count - 1].lastHash).bytes,
            problem: problem, eventsAfterSeal: seal.map { max(0, checked - $0.eventCount) }
        )
    }

    /// What one part of a walk found.
    struct PartResult: Sendable {
        /// The part's first problem, or nil.
        let finding: Finding?
        /// The highest `seq` in the trail (every part reads the same).
        let lastSequence: Int64
        /// The hash of the part's last event, or the genesis hash: in the last part of an intact
        /// trail, the head.
        let lastHash: Digest32
    }

    /// Checks part `part` of `parts` of the trail: the events with `seq` in its share of
    /// `1...max(seq)`, the first part also taking any below 1 and the last any above.
    static func checkPart(
        _ part: Int, of parts: Int, _ db: Connection, genesis: Digest32, auditKey: SymmetricKey?, seal: AuditSeal?
    ) throws -> PartResult {
        let last = max(0, try db.row("SELECT max(seq) FROM audit_events")?.int64(0) ?? 0)
        // Part k covers (bound(k), bound(k + 1)]; bound(k) = last * k / parts, without overflowing.
        func bound(_ k: Int) -> Int64 { last / Int64(parts) * Int64(k) + last % Int64(parts) * Int64(k) / Int64(parts) }
        let first = bound(part) + 1
        let final = bound(part + 1)
        guard part == 0 || part == parts - 1 || first <= final else {
            return PartResult(finding: nil, lastSequence: last, lastHash: genesis)  // an empty share
        }
        // The part starts from the stored hash of the event before its first. When that event is
        // missing or its hash malformed, the part that holds it names it too, and wins the tie.
        var previous = genesis
        if first > 1 {
            let before = try db.row("SELECT hash FROM audit_events WHERE seq = ?", [first - 1])
            guard let before, let stored = before.blob(0).flatMap(Digest32.init) else {
                let problem: AuditProblem = before == nil ? .missing(first - 1) : .altered(first - 1)
                return PartResult(finding: Finding(problem: problem, head: genesis), lastSequence: last, lastHash: genesis)
            }
            previous = stored
        }

        // One digest context, one keyed HMAC context and one encoding buffer for the whole part.
        let hasher = try SHA256Context()
        let authenticator = try auditKey.map { key throws in try HMACContext(key: key) }
        let encoding = EncodingBuffer(capacity: 1_024)
        var hash = Digest32()
        var mac = Digest32()
        var expected = first
        let statement = try db.prepare("SELECT \(AuditLog.selectColumns), hash, mac FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq")
        try statement.bind([part == 0 ? Int64.min : first, part == parts - 1 ? Int64.max : final])
        func found(_ problem: AuditProblem) -> PartResult {
            PartResult(finding: Finding(problem: problem, head: previous), lastSequence: last, lastHash: previous)
        }
        while try statement.advance() {
            guard case .integer(expected) = statement.column(at: 0) else { return found(.missing(expected)) }
            // The hash is read from the row as stored; the encoding is built from the columns in place.
            guard let storedHash = Digest32(statement.column(at: 13)) else { return found(.altered(expected)) }
            encoding.removeAll()
            AuditLog.encodeCurrentRow(of: statement, sequence: expected, into: encoding)
            encoding.withUnsafeBytes { encoding in
                previous.withUnsafeBytes { previous in hash.withUnsafeMutableBytes { hasher.hash(previous, encoding, into: $0) } }
            }
            // Hashes are public (anyone can recompute them), so a plain comparison will do.
            guard hash == storedHash else { return found(.altered(expected)) }
            if let authenticator {
                hash.withUnsafeBytes { hash in mac.withUnsafeMutableBytes { authenticator.authenticate(hash, into: $0) } }
                guard let storedMAC = Digest32(statement.column(at: 14)), mac.matches(storedMAC) else {
                    return found(.forged(expected))
                }
            }
            if let seal, expected == seal.eventCount, !seal.headHash.withUnsafeBytes({ hash.matches($0) }) {
                return found(.sealMismatch(expected))
            }
            previous = hash
            expected += 1
        }
        // Every part but the last ends where the next begins: an event missing there is a gap.
        if part < parts - 1, expected <= final { return found(.missing(expected)) }
        return PartResult(finding: nil, lastSequence: last, lastHash: previous)
    }
}

/// A problem found in an audit trail, with the hash of the (good) event before it.
struct Finding: Sendable {
    let problem: AuditProblem
    let head: Digest32
}

/// 32 bytes held inline (a chain hash or a MAC): the walk needs no allocation per event.
struct Digest32: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    /// A copy of `bytes`, or nil unless they are exactly 32.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// The bytes of a 32-byte blob column, or nil for anything else.
    init?(_ column: ColumnView) {
        guard case .blob(let bytes) = column else { return nil }
        self.init(bytes)
    }

    init?(_ bytes: [UInt8]) {
        guard let digest = bytes.withUnsafeBytes({ Digest32($0) }) else { return nil }
        self = digest
    }

    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &words, body)
    }

    /// Byte equality, not in constant time: for public values such as hashes.
    static func == (lhs: Digest32, rhs: Digest32) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Whether `other` holds the same 32 bytes, in constant time: for MACs.
    func matches(_ other: UnsafeRawBufferPointer) -> Bool {
        withUnsafeBytes { ConstantTime.equals($0, other) }
    }

    func matches(_ other: Digest32) -> Bool {
        other.withUnsafeBytes { matches($0) }
    }
}

extension AuditProblem {
    init(state violation: StateViolation) {
        let kind: Kind
        switch violation.problem {
        case .forged, .malformed: kind = .stateForged
        case .stale: kind = .stateStale
        case .missing: kind = .stateMissing
        }
        self.init(kind: kind, sequence: 0, description: violation.message, table: violation.table, credential: violation.credential)
    }

    static func missing(_ sequence: Int64) -> AuditProblem {
        AuditProblem(kind: .missing, sequence: sequence, description: "event \(sequence) is missing (deleted)")
    }

    static func altered(_ sequence: Int64) -> AuditProblem {
        AuditProblem(
            kind: .altered, sequence: sequence,
            description: "event \(sequence) does not match its hash: it was edited, or an event before it was deleted, inserted or moved"
        )
    }

    static func forged(_ sequence: Int64) -> AuditProblem {
        AuditProblem(
            kind: .forged, sequence: sequence,
            description: "event \(sequence) has a valid hash but an invalid MAC: the chain was rewritten without the audit key"
        )
    }

    static func sealMismatch(_ sequence: Int64) -> AuditProblem {
        AuditProblem(
            kind: .sealMismatch, sequence: sequence,
            description: "event \(sequence) differs from the sealed one: the trail was rewritten or rolled back"
        )
    }

    static func truncated(checked: Int64, sealed: Int64) -> AuditProblem {
        AuditProblem(
            kind: .truncated, sequence: checked + 1,
            description: "the trail has \(checked) events but the seal covers \(sealed): events were cut off or the file was rolled back"
        )
    }
}

extension Vault {
    /// Verifies the whole audit trail with the vault's audit key: every event present in order,
    /// matching its hash, with a valid MAC.
    ///
    /// ```swift
    /// let report = try vault.verifyAuditTrail()
    /// if let problem = report.problem { alert(problem.description) }
    /// ```
    ///
    /// An intact report proves no event was edited, inserted, deleted or reordered, except that
    /// events cut off the *end* of the trail leave no trace without a seal (see
    /// ``sealAuditTrail()`` and docs/audit-format.md).
    ///
    /// Then the vault's state is checked against the trail: every credential, grant, version
    /// and name row for its MAC and its freshness, and for rows deleted or added; the first bad
    /// row is named, with its table and credential (``AuditProblem/Kind/stateForged``,
    /// ``AuditProblem/Kind/stateStale``, ``AuditProblem/Kind/stateMissing``). A chain problem
    /// is named first.
    ///
    /// The trail is read in one snapshot, in parts checked in parallel (two per processor), each
    /// on its own connection to the vault file; the state in another, on this vault's connection.
    public func verifyAuditTrail() throws(VaultError) -> AuditReport {
        try verifyAuditTrail(parts: AuditChainWalker.defaultParts)
    }

    /// ``verifyAuditTrail()`` in a given number of parts (tests split small trails).
    func verifyAuditTrail(parts: Int) throws(VaultError) -> AuditReport {
        let keys = self.keys
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = configuration.busyTimeoutMilliseconds
        let chain = try Vault.mapErrors {
            try AuditChainWalker.walk(path: path, options: options, vaultID: keys.vaultID, auditKey: keys.auditKey, seal: nil, parts: parts)
        }
        let state = try Vault.mapErrors { try queue.read { db in try StateVerifier.check(db, keys: keys) } }
        return AuditReport(
            eventsChecked: chain.eventsChecked, headHash: chain.headHash,
            problem: chain.problem ?? state.violation.map(AuditProblem.init(state:)),
            eventsAfterSeal: nil, credentialsChecked: state.credentialsChecked
        )
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
                guard let signer = try sealKey(db, now: now) else { throw VaultError(.failed, "the seal key could not be created") }
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
    ///
    /// Security: the key is derived from the wrapped (authenticated) private key, and the stored
    /// copy must match it: a public key replaced by a writer of the file, which would have
    /// auditors trust seals the writer signs, is refused with ``VaultError/Kind/integrity``.
    public func sealPublicKey() throws(VaultError) -> [UInt8]? {
        try reading { db, _ in
            guard let stored = try db.row("SELECT public_key FROM seal_keys WHERE id = 1")?.blob(0) else { return nil }
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
        if let row = try db.row("SELECT wrapped_seed, public_key FROM seal_keys WHERE id = 1"), let wrapped = row.blob(0) {
            let key: Ed25519.PrivateKey
            do { key = try Ed25519.PrivateKey(seed: AESGCM.open(wrapped, using: keys.sealWrapKey, authenticating: aad)) } catch {
                throw VaultError(.integrity, "the vault's seal key fails its integrity check")
            }
            guard try key.publicKey.rawRepresentation == row.blob(1) else {
                throw StateViolation(table: "seal_keys", credential: nil, problem: .forged)
            }
            return key
        }
        guard let now else { return nil }
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
            let header = try Connection(path: path, options: options).row("SELECT vault_id FROM vault_meta")
            guard let vaultID = header?.blob(0) else { throw VaultError(.integrity, "the vault has no valid header") }
            guard vaultID == seal.vaultID else { throw VaultError(.integrity, "the seal belongs to another vault") }
            return try AuditChainWalker.walk(path: path, options: options, vaultID: vaultID, auditKey: nil, seal: seal)
        }
    }
}
