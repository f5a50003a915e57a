import Foundation
import Testing
import TokenVaultCrypto
import TokenVaultMigrations
import TokenVaultStore

@testable import TokenVault

@Suite("Audit chain verification and seals (C16)")
struct AuditVerificationTests {
    /// A vault with a few events: init, the new vault's issuer policy, 3 adds, 3 fetches (8 events).
    func populated() throws -> TestVault {
        let t = try TestVault()
        for index in 1...3 {
            _ = try t.vault.add(newCredential("c\(index)", "*:*:r"), secret: Secret("s\(index)"))
            _ = try t.vault.fetch("c\(index)")
        }
        return t
    }

    func problem(_ t: TestVault) throws -> AuditProblem? { try t.vault.verifyAuditTrail().problem }

    @Test func anIntactTrailVerifies() throws {
        let t = try populated()
        let report = try t.vault.verifyAuditTrail()
        #expect(report.isIntact)
        #expect(report.eventsChecked == 8)
    }

    @Test func anEditedEventIsNamed() throws {
        let t = try populated()
        _ = try t.sql("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4")
        #expect(
            try problem(t)
                == AuditProblem(
                    kind: .altered, sequence: 4,
                    description: "event 4 does not match its hash: it was edited, or an event before it was deleted, inserted or moved"))
        let t2 = try populated()
        _ = try t2.sql("UPDATE audit_events SET outcome = 'denied' WHERE seq = 6")
        #expect(try problem(t2)?.sequence == 6)
    }

    @Test func aDeletedEventIsNamed() throws {
        let t = try populated()
        _ = try t.sql("DELETE FROM audit_events WHERE seq = 5")
        #expect(try problem(t)?.kind == .missing)
        #expect(try problem(t)?.sequence == 5)
    }

    @Test func anInsertedEventIsNamed() throws {
        let t = try populated()
        // Shift events 4… up by one and insert a forged event 4, copying a real hash and MAC.
        _ = try t.sql("UPDATE audit_events SET seq = seq + 100 WHERE seq >= 4")
        _ = try t.sql("UPDATE audit_events SET seq = seq - 99 WHERE seq >= 104")
        _ = try t.sql(
            "INSERT INTO audit_events (seq, at, actor, action, outcome, hash, mac) SELECT 4, at, 'ghost', 'fetch', 'ok', hash, mac FROM audit_events WHERE seq = 3"
        )
        #expect(try problem(t)?.sequence == 4)
    }

    @Test func swappedEventsAreNamed() throws {
        let t = try populated()
        _ = try t.sql("UPDATE audit_events SET seq = -1 WHERE seq = 3")
        _ = try t.sql("UPDATE audit_events SET seq = 3 WHERE seq = 4")
        _ = try t.sql("UPDATE audit_events SET seq = 4 WHERE seq = -1")
        #expect(try problem(t)?.sequence == 3)
    }

    /// Someone who can write the file but holds no key rewrites an event and recomputes every
    /// hash after it: the chain is consistent again, but the MACs give it away.
    @Test func aChainRecomputedWithoutTheKeyIsRejected() throws {
        let t = try populated()
        _ = try t.sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5")
        var previous = try #require(try t.sql("SELECT hash FROM audit_events WHERE seq = 4")[0].blob(0))
        for row in try t.sql("SELECT \(AuditLog.selectColumns) FROM audit_events WHERE seq >= 5 ORDER BY seq") {
            let event = try AuditLog.event(from: row)
            let hash = AuditLog.chainHash(previous: previous, event: event)
            _ = try t.sql("UPDATE audit_events SET hash = ? WHERE seq = ?", [hash, event.sequence])
            previous = hash
        }
        #expect(
            try problem(t)
                == AuditProblem(
                    kind: .forged, sequence: 5,
                    description: "event 5 has a valid hash but an invalid MAC: the chain was rewritten without the audit key"))
    }

    @Test func keyChangesDoNotBreakVerificationOfOlderEvents() throws {
        let t = try populated()
        try KeyFile.generate(at: t.directory.file("new.key"))
        try t.vault.rekey(to: .keyFile(t.directory.file("new.key")))
        try t.vault.rotateDataKey()
        _ = try t.vault.fetch("c1")
        let reopened = try Vault.open(at: t.path, key: .keyFile(t.directory.file("new.key")))
        #expect(try reopened.verifyAuditTrail().isIntact)
        #expect(try reopened.verifyAuditTrail().eventsChecked == 11)
    }

    @Test(.enabled(if: TestEngine.isSQLite, "rolls the vault file back to a copy"))
    func sealsVerifyWithoutTheVaultKeyAndCatchTruncationAndRollback() throws {
        let t = try populated()
        let first = try t.vault.sealAuditTrail()
        #expect(first.eventCount == 9)
        let publicKey = try #require(try t.vault.sealPublicKey())
        #expect(publicKey == first.publicKey)
        // A copy of the file as it is now: what a rollback would restore.
        let snapshot = t.directory.file("snapshot.db")
        _ = try t.sql("VACUUM INTO '\(snapshot)'")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: snapshot)
        _ = try t.vault.fetch("c2")
        let second = try t.vault.sealAuditTrail()
        #expect(second.eventCount == 11)
        #expect(try AuditSeal(text: second.text) == second)

        let intact = try AuditSealVerifier.verify(vaultAt: t.path, seal: first, publicKey: publicKey)
        #expect(intact.isIntact && intact.eventsAfterSeal == 2)
        #expect(try AuditSealVerifier.verify(vaultAt: t.path, seal: second, publicKey: publicKey).eventsAfterSeal == 0)

        // Rollback: the old copy is self-consistent, but shorter than the later seal.
        let rolledBack = try AuditSealVerifier.verify(vaultAt: snapshot, seal: second, publicKey: publicKey)
        #expect(rolledBack.problem?.kind == .truncated)
        #expect(rolledBack.problem?.sequence == 10)
        // Rollback followed by new events up to the sealed count: the sealed event differs.
        let rewritten = try Vault.open(at: snapshot, key: .keyFile(t.keyPath), configuration: TestVault.configuration(clock: t.clock))
        _ = try rewritten.fetch("c3")
        _ = try rewritten.fetch("c3")
        #expect(try AuditSealVerifier.verify(vaultAt: snapshot, seal: second, publicKey: publicKey).problem?.kind == .sealMismatch)
        // Truncation: the last events cut off.
        _ = try t.sql("DELETE FROM audit_events WHERE seq >= 10")
        #expect(try AuditSealVerifier.verify(vaultAt: t.path, seal: second, publicKey: publicKey).problem?.kind == .truncated)
        #expect(try t.vault.verifyAuditTrail().isIntact)  // the chain alone cannot see a cut-off tail
    }

    @Test func forgedOrForeignSealsAreRefused() throws {
        let t = try populated()
        let seal = try t.vault.sealAuditTrail()
        let publicKey = try #require(try t.vault.sealPublicKey())
        let other = try populated()
        let otherSeal = try other.vault.sealAuditTrail()
        let otherKey = try #require(try other.vault.sealPublicKey())
        #expect(errorKind { _ = try AuditSealVerifier.verify(vaultAt: t.path, seal: seal, publicKey: otherKey) } == .integrity)
        #expect(errorKind { _ = try AuditSealVerifier.verify(vaultAt: t.path, seal: otherSeal, publicKey: otherKey) } == .integrity)
        var text = seal.text.replacingOccurrences(of: "events: \(seal.eventCount)", with: "events: \(seal.eventCount + 5)")
        #expect(errorKind { _ = try AuditSealVerifier.verify(vaultAt: t.path, seal: AuditSeal(text: text), publicKey: publicKey) } == .integrity)
        text = seal.text.replacingOccurrences(of: "tokenvault-seal v1", with: "tokenvault-seal v9")
        #expect(errorKind { _ = try AuditSeal(text: text) } == .invalidInput)
        #expect(errorKind { _ = try AuditSeal(text: "") } == .invalidInput)
        #expect(errorKind { _ = try SealPublicKey.parse("tokenvault-ed25519-public-key 00") } == .invalidInput)
        #expect(try SealPublicKey.parse(SealPublicKey.text(publicKey)) == publicKey)
        #expect(errorKind { _ = try AuditSealVerifier.verify(vaultAt: t.directory.file("none.db"), seal: seal, publicKey: publicKey) } == .notFound)
    }

    @Test func ed25519SignsAndVerifies() throws {
        // RFC 8032 §7.1 test 1: the empty message.
        let seed = Hex.decode(Array("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60".utf8))!
        let key = try Ed25519.PrivateKey(seed: SecureBytes(copying: seed))
        #expect(Hex.encode(try key.publicKey.rawRepresentation) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = try key.signature(for: [])
        #expect(
            Hex.encode(signature)
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(try key.publicKey.isValidSignature(signature, for: []))
        #expect(try !key.publicKey.isValidSignature(signature, for: [0]))
        var bad = signature
        bad[0] ^= 1
        #expect(try !key.publicKey.isValidSignature(bad, for: []))
    }
}
