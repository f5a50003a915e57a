internal import TokenVaultCrypto
internal import TokenVaultStore
internal import TokenVaultSystem

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
    static var defaultParts: Int { 2 * min(8, ProcessIdentity.processorCount) }

    /// Checks every event of the trail in the vault at `location`. With `auditKey`, MACs too;
    /// with `seal`, stops comparing at the sealed position and counts the events after it.
    static func walk(
        location: StoreLocation, options: Connection.Options, vaultID: [UInt8], auditKey: SymmetricKey?, seal: AuditSeal?,
        parts: Int = defaultParts
    ) throws -> AuditReport {
        let genesis = Digest32(AuditLog.genesisHash(vaultID: vaultID))!
        let results = try ParallelSnapshot.read(location: location, options: options, parts: parts) { part, parts, db in
            try checkPart(part, of: parts, db, genesis: genesis, auditKey: auditKey, seal: seal)
        }
        return report(of: results, seal: seal)
    }

    /// Checks every event of the trail as `db` sees it, on that one connection: for a trail inside
    /// a transaction that has not committed (the copy of ``Vault/migrate(to:progress:)``).
    /// The trail is read in parts of about `eventsPerPart` events, one after another: a
    /// PostgreSQL statement's rows are held in memory until it ends.
    static func walk(_ db: Connection, vaultID: [UInt8], auditKey: SymmetricKey, eventsPerPart: Int64 = 100_000) throws -> AuditReport {
        let genesis = Digest32(AuditLog.genesisHash(vaultID: vaultID))!
        let parts = Int(min(max(0, try AuditEventTable.maxSequence(db) ?? 0) / eventsPerPart + 1, 1 << 20))
        let results = try (0..<parts).map { part in try checkPart(part, of: parts, db, genesis: genesis, auditKey: auditKey, seal: nil) }
        return report(of: results, seal: nil)
    }

    /// The report of a walk whose parts found `results`.
    private static func report(of results: [PartResult], seal: AuditSeal?) -> AuditReport {
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
        _ part: Int, of parts: Int, _ db: Connection, genesis: Digest32, auditKey: SymmetricKey?, seal: AuditSeal?,
        schemaHasIdentity: Bool = true
    ) throws -> PartResult {
        let last = max(0, try AuditEventTable.maxSequence(db) ?? 0)
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
            let before = try AuditEventTable.hash(db, seq: first - 1)
            guard let before, let stored = before.flatMap(Digest32.init) else {
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
        let statement = try db.prepare(schemaHasIdentity ? AuditEventTable.walkSQL : AuditEventTable.walkWithoutIdentitySQL)
        try statement.bind([part == 0 ? Int64.min : first, part == parts - 1 ? Int64.max : final])
        func found(_ problem: AuditProblem) -> PartResult {
            PartResult(finding: Finding(problem: problem, head: previous), lastSequence: last, lastHash: previous)
        }
        while try statement.advance() {
            guard case .integer(expected) = statement.column(at: AuditLog.Column.seq.rawValue) else { return found(.missing(expected)) }
            // The hash is read from the row as stored; the encoding is built from the columns in place.
            guard let storedHash = Digest32(statement.column(at: AuditLog.Column.count)) else { return found(.altered(expected)) }
            encoding.removeAll()
            AuditLog.encodeCurrentRow(of: statement, sequence: expected, into: encoding)
            encoding.withUnsafeBytes { encoding in
                previous.withUnsafeBytes { previous in hash.withUnsafeMutableBytes { hasher.hash(previous, encoding, into: $0) } }
            }
            // Hashes are public (anyone can recompute them), so a plain comparison will do.
            guard hash == storedHash else { return found(.altered(expected)) }
            if let authenticator {
                hash.withUnsafeBytes { hash in mac.withUnsafeMutableBytes { authenticator.authenticate(hash, into: $0) } }
                guard let storedMAC = Digest32(statement.column(at: AuditLog.Column.count + 1)), mac.matches(storedMAC) else {
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
