import Testing
import TokenVaultCrypto
import TokenVaultStore

@testable import TokenVault

/// `audit verify` checks the trail in parts, in parallel. Whatever the number of parts, it must
/// name the same first problem as a walk from the first event (one part), with the same count
/// and head: including problems in the second half, two problems in different parts, and
/// problems at the boundaries between parts.
@Suite("Audit verification in parallel parts", .enabled(if: TestEngine.isSQLite, "tampers with copies of the vault file"))
struct AuditWalkPartsTests {
    /// A vault with 41 events: init, the new vault's issuer policy, one add, 38 fetches. With 2 parts: 1–20 and 21–41; with 3:
    /// 1–13, 14–27, 28–41; with 4: 1–10, 11–20, 21–30, 31–41.
    func base() throws -> TestVault {
        let t = try TestVault()
        var configuration = TestVault.configuration(clock: t.clock)
        configuration.durableCommits = false
        let vault = try Vault.open(at: t.path, key: .keyFile(t.keyPath), configuration: configuration)
        _ = try vault.add(newCredential("erp", "*:*:r"), secret: Secret("s3cret"))
        for _ in 0..<38 { _ = try vault.fetch("erp") }
        return t
    }

    static let partCounts = [2, 3, 4, 7, 64]

    /// The base vault with `tampering` applied, opened again with its key.
    func tampered(_ tampering: [String]) throws -> (vault: Vault, base: TestVault) {
        let base = try base()
        let connection = try Connection(path: base.path, options: Connection.Options())
        for statement in tampering { try connection.execute(statement) }
        return (try base.reopen(), base)
    }

    /// Checks `vault` in 1 part and in each of `partCounts`; expects the same report every time.
    func reports(_ vault: Vault) throws -> AuditReport {
        let serial = try vault.verifyAuditTrail(parts: 1)
        for parts in Self.partCounts {
            let report = try vault.verifyAuditTrail(parts: parts)
            #expect(report.problem == serial.problem, "\(parts) parts")
            #expect(report.eventsChecked == serial.eventsChecked, "\(parts) parts")
            #expect(report.headHash == serial.headHash, "\(parts) parts")
        }
        return serial
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let tampering: [String]
        let kind: AuditProblem.Kind
        let sequence: Int64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "an edit in the second half", tampering: ["UPDATE audit_events SET actor = 'mallory' WHERE seq = 30"], kind: .altered, sequence: 30),
        Case(name: "a deletion in the second half", tampering: ["DELETE FROM audit_events WHERE seq = 33"], kind: .missing, sequence: 33),
        Case(
            name: "two edits in different parts", tampering: ["UPDATE audit_events SET outcome = 'denied' WHERE seq IN (12, 33)"],
            kind: .altered, sequence: 12
        ),
        Case(
            name: "a deletion after an edit",
            tampering: ["DELETE FROM audit_events WHERE seq = 33", "UPDATE audit_events SET at = at + 1 WHERE seq = 12"],
            kind: .altered, sequence: 12
        ),
        Case(
            name: "two edits in the last part", tampering: ["UPDATE audit_events SET reason = 'x' WHERE seq IN (35, 25)"],
            kind: .altered, sequence: 25
        ),
        Case(name: "an edit of a part's last event", tampering: ["UPDATE audit_events SET actor = 'm' WHERE seq = 20"], kind: .altered, sequence: 20),
        Case(
            name: "an edit of a part's first event", tampering: ["UPDATE audit_events SET actor = 'm' WHERE seq = 21"], kind: .altered, sequence: 21),
        Case(name: "a part's last event deleted", tampering: ["DELETE FROM audit_events WHERE seq = 20"], kind: .missing, sequence: 20),
        Case(name: "a part's first event deleted", tampering: ["DELETE FROM audit_events WHERE seq = 21"], kind: .missing, sequence: 21),
        Case(
            name: "a wrong hash before a part", tampering: ["UPDATE audit_events SET hash = zeroblob(32) WHERE seq = 27"], kind: .altered,
            sequence: 27),
        // The table's CHECK constraints keep hashes and MACs at 32 bytes; someone who edits the
        // file can switch them off.
        Case(
            name: "a short hash before a part",
            tampering: ["PRAGMA ignore_check_constraints = ON", "UPDATE audit_events SET hash = x'01' WHERE seq = 27"],
            kind: .altered, sequence: 27
        ),
        Case(
            name: "a short MAC in the second half",
            tampering: ["PRAGMA ignore_check_constraints = ON", "UPDATE audit_events SET mac = x'00' WHERE seq = 30"],
            kind: .forged, sequence: 30
        ),
        Case(
            name: "a zero MAC in the second half", tampering: ["UPDATE audit_events SET mac = zeroblob(32) WHERE seq = 30"], kind: .forged,
            sequence: 30),
        Case(
            name: "another event's MAC",
            tampering: ["UPDATE audit_events SET mac = (SELECT mac FROM audit_events WHERE seq = 2) WHERE seq = 36"],
            kind: .forged, sequence: 36
        ),
        Case(
            name: "swapped events in the second half",
            tampering: [
                "UPDATE audit_events SET seq = -1 WHERE seq = 25", "UPDATE audit_events SET seq = 25 WHERE seq = 26",
                "UPDATE audit_events SET seq = 26 WHERE seq = -1",
            ],
            kind: .altered, sequence: 25
        ),
        Case(
            name: "an event below 1", tampering: ["UPDATE audit_events SET seq = 0 WHERE seq = 1"], kind: .missing, sequence: 1
        ),
        Case(
            name: "an event far beyond the end", tampering: ["UPDATE audit_events SET seq = 1000000 WHERE seq = 41"],
            kind: .missing, sequence: 41
        ),
    ]

    @Test(arguments: cases) func everySplitNamesTheFirstProblem(_ test: Case) throws {
        let copy = try tampered(test.tampering)
        let report = try reports(copy.vault)
        #expect(report.problem?.kind == test.kind)
        #expect(report.problem?.sequence == test.sequence)
        #expect(report.eventsChecked == test.sequence - 1)
    }

    @Test func anIntactOrCutTrailVerifiesInEverySplit() throws {
        let intact = try tampered([])
        #expect(try reports(intact.vault).isIntact)
        #expect(try reports(intact.vault).eventsChecked == 41)
        let cut = try tampered(["DELETE FROM audit_events WHERE seq >= 35"])
        #expect(try reports(cut.vault).isIntact)
        #expect(try reports(cut.vault).eventsChecked == 34)
        // The chain of an emptied trail is consistent, but the state no longer matches it: the
        // credentials' state-changing events are gone, so their rows read as restored ones.
        let empty = try tampered(["DELETE FROM audit_events"])
        #expect(try reports(empty.vault).problem?.kind == .stateStale)
        #expect(try reports(empty.vault).eventsChecked == 0)
        #expect(try reports(empty.vault).headHash == AuditLog.genesisHash(vaultID: empty.vault.keys.vaultID))
    }

    /// Someone without the key rewrites event 30 and recomputes every hash after it: the first
    /// part that reaches event 30 names it, whichever part that is.
    @Test func aChainRecomputedWithoutTheKeyInTheSecondHalfIsNamed() throws {
        let copy = try tampered(["UPDATE audit_events SET actor = 'mallory' WHERE seq = 30"])
        let connection = try Connection(path: copy.vault.path, options: Connection.Options())
        var previous = try #require(try connection.row("SELECT hash FROM audit_events WHERE seq = 29")?.blob(0))
        for row in try connection.rows("SELECT \(AuditLog.selectColumns) FROM audit_events WHERE seq >= 30 ORDER BY seq") {
            let event = try AuditLog.event(from: row)
            let hash = AuditLog.chainHash(previous: previous, event: event)
            try connection.execute("UPDATE audit_events SET hash = ? WHERE seq = ?", [hash, event.sequence])
            previous = hash
        }
        let report = try reports(copy.vault)
        #expect(report.problem?.kind == .forged)
        #expect(report.problem?.sequence == 30)
    }

    /// Seal checks (no key) split the same way: a rewritten sealed event, a cut-off trail.
    @Test func sealChecksSplitTheSameWay() throws {
        let copy = try tampered([])
        let seal = try copy.vault.sealAuditTrail()  // event 42
        _ = try copy.vault.fetch("erp")  // 43
        let publicKey = try #require(try copy.vault.sealPublicKey())
        func sealReports(_ tampering: String?) throws -> AuditReport {
            if let tampering { try Connection(path: copy.vault.path, options: Connection.Options()).execute(tampering) }
            var options = Connection.Options()
            options.busyTimeoutMilliseconds = 5_000
            let serial = try AuditChainWalker.walk(
                location: .file(copy.vault.path), options: options, vaultID: seal.vaultID, auditKey: nil, seal: seal, parts: 1)
            for parts in Self.partCounts {
                let report = try AuditChainWalker.walk(
                    location: .file(copy.vault.path), options: options, vaultID: seal.vaultID, auditKey: nil, seal: seal, parts: parts)
                #expect(report.problem == serial.problem && report.eventsChecked == serial.eventsChecked, "\(parts) parts")
                #expect(report.headHash == serial.headHash && report.eventsAfterSeal == serial.eventsAfterSeal, "\(parts) parts")
            }
            #expect(try AuditSealVerifier.verify(vaultAt: copy.vault.path, seal: seal, publicKey: publicKey).problem == serial.problem)
            return serial
        }
        let intact = try sealReports(nil)
        #expect(intact.isIntact && intact.eventsAfterSeal == 1)
        // Event 40 edited and the chain recomputed after it, without the key: only the seal notices.
        let connection = try Connection(path: copy.vault.path, options: Connection.Options())
        try connection.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 40")
        var previous = try #require(try connection.row("SELECT hash FROM audit_events WHERE seq = 39")?.blob(0))
        for row in try connection.rows("SELECT \(AuditLog.selectColumns) FROM audit_events WHERE seq >= 40 ORDER BY seq") {
            let event = try AuditLog.event(from: row)
            previous = AuditLog.chainHash(previous: previous, event: event)
            try connection.execute("UPDATE audit_events SET hash = ? WHERE seq = ?", [previous, event.sequence])
        }
        let rewritten = try sealReports(nil)
        #expect(rewritten.problem?.kind == .sealMismatch && rewritten.problem?.sequence == 42)
        let cut = try sealReports("DELETE FROM audit_events WHERE seq >= 40")
        #expect(cut.problem?.kind == .truncated && cut.problem?.sequence == 40 && cut.eventsChecked == 39)
    }

    /// The walk hashes the bytes SQLite stores. Decoding them into a `String` first would turn
    /// a byte that is not UTF-8 into U+FFFD, so that an actor "mallor\u{FFFD}" edited into
    /// "mallor" + 0xFF would still match its hash.
    @Test func textIsHashedAsStoredNotRepaired() throws {
        let t = try TestVault(actor: "mallor\u{FFFD}")
        #expect(try reports(t.vault).isIntact)
        _ = try t.sql("UPDATE audit_events SET actor = CAST(x'6d616c6c6f72ff' AS TEXT) WHERE seq = 1")
        #expect(try AuditLog.event(from: t.sql("SELECT \(AuditLog.selectColumns) FROM audit_events")[0]).actor == "mallor\u{FFFD}")
        let report = try reports(t.vault)
        #expect(report.problem?.kind == .altered && report.problem?.sequence == 1)
    }

    /// The row encoder writes exactly `AuditLog.encode(AuditLog.event(from:))`, nulls included.
    @Test func theRowEncoderMatchesTheEventEncoder() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop:*:r"), secret: Secret("s3cret"))
        _ = try t.vault.fetch("erp", need: Need(project: "shop", resource: "orders", permissions: .read))
        _ = try t.vault.rename("erp", to: "erp-prod")
        _ = try? t.vault.fetch("missing")
        let connection = try Connection(path: t.path, options: Connection.Options())
        let statement = try connection.prepare("SELECT \(AuditLog.selectColumns) FROM audit_events ORDER BY seq")
        let rows = try connection.rows("SELECT \(AuditLog.selectColumns) FROM audit_events ORDER BY seq")
        try statement.bind([])
        let buffer = EncodingBuffer(capacity: 8)  // small: the buffer must grow
        var index = 0
        while try statement.advance() {
            buffer.removeAll()
            AuditLog.encodeCurrentRow(of: statement, sequence: rows[index].int64(0)!, into: buffer)
            #expect(try buffer.withUnsafeBytes { Array($0) } == AuditLog.encode(AuditLog.event(from: rows[index])))
            index += 1
        }
        #expect(index == rows.count && index == 6)
    }
}
