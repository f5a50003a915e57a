import Foundation
import Testing
import TokenVaultCrypto
import TokenVaultStore

@testable import TokenVault

@Suite("Audit write path")
struct AuditTrailTests {
    @Test func everyOperationWritesOneChainedMACedEvent() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "p:r:r"), secret: Secret("s"))
        _ = try t.vault.fetch("a", need: Need(project: "p"))
        _ = try? t.vault.fetch("a", need: Need(project: "q"))
        _ = try? t.vault.fetch("missing")
        let (_, token) = try t.vault.issue(newCredential("i", "*:*:r"))
        _ = try t.vault.verify(token)
        try t.vault.rename("a", to: "b")
        try t.vault.revoke("b")
        try t.vault.delete("b")
        let events = try t.sql("SELECT seq, action, outcome FROM audit_events ORDER BY seq")
        #expect(
            events.map { "\($0.string(1)!):\($0.string(2)!)" } == [
                "init:ok", "policy-set:ok", "add:ok", "fetch:ok", "fetch:denied", "fetch:denied", "issue:ok", "verify:ok",
                "rename:ok", "revoke:ok", "delete:ok",
            ])
        #expect(events.map { $0.int64(0)! } == Array(1...11))

        // Recompute the chain and the MACs with the vault's own keys.
        let keys = t.vault.keys
        var previous = AuditLog.genesisHash(vaultID: keys.vaultID)
        let rows = try t.sql("SELECT \(AuditLog.selectColumns), hash, mac FROM audit_events ORDER BY seq")
        for row in rows {
            let event = try AuditLog.event(from: row)
            let hash = AuditLog.chainHash(previous: previous, event: event)
            #expect(row.blob(AuditLog.Column.count) == hash)
            #expect(row.blob(AuditLog.Column.count + 1) == HMAC.authenticate(hash, using: keys.auditKey))
            previous = hash
        }
    }

    @Test func noSecretReachesTheAuditTrail() throws {
        let t = try TestVault()
        let secret = "AUDIT-CANARY-7f3e9b2c"
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret(secret))
        _ = try t.vault.fetch("a")
        _ = try? t.vault.fetch("a", need: Need(permissions: .delete))
        var exported = ""
        try t.vault.forEachAuditEvent(AuditFilter()) { event in exported += "\(event)" }
        #expect(!exported.contains(secret))
        #expect(!(try t.storageContains(Array(secret.utf8))))
    }

    /// C15 fail-closed: when the audit event cannot be written, the operation fails and no
    /// secret is returned, and nothing of the operation remains.
    @Test func whenTheAuditInsertFailsTheFetchFailsAndChangesNothing() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        // The next event's insert fails on a unique index (vault connections run no trigger).
        let head = try t.sql("SELECT max(seq) FROM audit_events")[0].int64(0) ?? 0
        _ = try t.sql("CREATE UNIQUE INDEX audit_down ON audit_events (actor) WHERE seq >= \(head)")
        #expect(errorKind { _ = try t.vault.fetch("a") } != nil)
        #expect(errorKind { _ = try t.vault.fetch("missing") } != nil)
        #expect(errorKind { _ = try t.vault.add(newCredential("b", "*:*:r"), secret: Secret("s")) } != nil)
        #expect(try t.sql("SELECT last_used_at FROM credentials WHERE name = 'a'")[0].int64(0) == nil)
        #expect(try t.sql("SELECT count(*) FROM credentials")[0].int64(0) == 1)
        _ = try t.sql("DROP INDEX audit_down")
        #expect(try t.vault.fetch("a").secret.text == "s")
    }

    @Test func queriesFilterByNameActorActionOutcomeTimeAndLimit() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        let other = try t.reopen(actor: "cron")
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        clock.advance(100)
        _ = try other.fetch("a")
        _ = try? other.fetch("a", need: Need(permissions: .delete))
        clock.advance(100)
        _ = try t.vault.fetch("a")
        func query(_ filter: AuditFilter) throws -> [Int64] {
            var seqs: [Int64] = []
            try t.vault.forEachAuditEvent(filter) { seqs.append($0.sequence) }
            return seqs
        }
        // Events 1 and 2 are the vault's creation and its issuer policy.
        #expect(try query(AuditFilter(actor: "cron")) == [4, 5])
        #expect(try query(AuditFilter(action: "fetch")) == [4, 5, 6])
        #expect(try query(AuditFilter(outcome: .denied)) == [5])
        #expect(try query(AuditFilter(since: clock.now - 150, until: clock.now)) == [4, 5])
        #expect(try query(AuditFilter(credentialName: "a")) == [3, 4, 5, 6])
        #expect(try query(AuditFilter(limit: 2, newestFirst: true)) == [6, 5])
        #expect(errorKind { try t.vault.forEachAuditEvent(AuditFilter(limit: 0)) { _ in } } == .invalidInput)
    }

    /// `--name` merges one index range per credential that ever had the name with the refusals
    /// that named it while nobody had it: every such event, in order, under the other filters and
    /// the limit, and the same when the name had more holders than get ranges of their own.
    @Test(arguments: [2, 70])
    func nameQueriesMergeEveryHolderAndRefusalsInOrder(holders: Int) throws {
        let t = try TestVault()
        func query(_ filter: AuditFilter) throws -> [Int64] {
            var seqs: [Int64] = []
            try t.vault.forEachAuditEvent(filter) { seqs.append($0.sequence) }
            return seqs
        }
        // Events of other names, and a refusal for "x" before any credential had it.
        _ = try t.vault.add(newCredential("other", "*:*:r"), secret: Secret("o"))
        _ = try? t.vault.fetch("x")
        for round in 0..<holders {
            _ = try t.vault.add(newCredential(round % 2 == 0 ? "x" : "y", "*:*:r"), secret: Secret("s\(round)"))
            if round % 2 == 1 { try t.vault.rename("y", to: "x") }  // "x" reached through a rename
            _ = try t.vault.fetch("x")
            _ = try t.vault.fetch("other")
            _ = try? t.vault.fetch("x", need: Need(permissions: .delete))  // denied, of a holder
            _ = try t.vault.delete("x")
            _ = try? t.vault.fetch("x")  // refused: nobody has the name now
        }
        // Which events are about "x": read the trail itself, without the indexes.
        var expected: [Int64] = []
        var deniedExpected: [Int64] = []
        let xIDs = Set(
            try t.sql("SELECT c.uid FROM name_history h JOIN credentials c ON c.id = h.credential_id WHERE h.name = 'x'").compactMap { $0.string(0) })
        try t.vault.forEachAuditEvent(AuditFilter()) { event in
            let aboutX = event.credentialID.map(xIDs.contains) ?? (event.credentialName == "x")
            if aboutX { expected.append(event.sequence) }
            if aboutX && event.outcome == .denied { deniedExpected.append(event.sequence) }
        }
        // Per pair of rounds: add, fetch, denial, delete, refusal of "x"; add and rename of "y", then the same four.
        #expect(expected.count == 1 + holders / 2 * 11)
        #expect(try query(AuditFilter(credentialName: "x")) == expected)
        #expect(try query(AuditFilter(credentialName: "x", limit: 7, newestFirst: true)) == Array(expected.suffix(7).reversed()))
        #expect(try query(AuditFilter(credentialName: "x", outcome: .denied)) == deniedExpected)
        #expect(
            try query(AuditFilter(credentialName: "x", outcome: .denied, limit: 3, newestFirst: true)) == Array(deniedExpected.suffix(3).reversed()))
        #expect(try query(AuditFilter(credentialName: "nobody")).isEmpty)
    }
}
