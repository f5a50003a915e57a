import Foundation
import Testing
import TokenVaultCrypto

@testable import TokenVault

@Suite("Rekey and data-key rotation (C2)")
struct KeyChangeTests {
    /// Recomputes every event's hash and MAC with the vault's keys.
    func chainIsIntact(_ t: TestVault, _ vault: Vault) throws -> Bool {
        let keys = vault.keys
        var previous = AuditLog.genesisHash(vaultID: keys.vaultID)
        for row in try t.sql("SELECT \(AuditLog.selectColumns), hash, mac FROM audit_events ORDER BY seq") {
            let hash = AuditLog.chainHash(previous: previous, event: try AuditLog.event(from: row))
            guard row.blob(AuditLog.Column.count) == hash, row.blob(AuditLog.Column.count + 1) == HMAC.authenticate(hash, using: keys.auditKey) else {
                return false
            }
            previous = hash
        }
        return true
    }

    @Test func rekeyReplacesTheKEKAndKeepsEverythingElse() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("secret-a"))
        let (_, token) = try t.vault.issue(newCredential("svc", "*:*:r"))
        let before = try t.sql("SELECT ciphertext FROM secret_versions WHERE ciphertext IS NOT NULL")[0].blob(0)
        try KeyFile.generate(at: t.directory.file("new.key"))
        try t.vault.rekey(to: .keyFile(t.directory.file("new.key")))
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .keyFile(t.keyPath)) } == .locked)
        let reopened = try Vault.open(at: t.path, key: .keyFile(t.directory.file("new.key")))
        #expect(try reopened.fetch("a").secret.text == "secret-a")
        #expect(try reopened.verify(token).name == "svc")
        #expect(try t.sql("SELECT ciphertext FROM secret_versions WHERE ciphertext IS NOT NULL")[0].blob(0) == before)
        #expect(try chainIsIntact(t, reopened))
        // The same handle keeps working with its new KEK.
        _ = try t.vault.add(newCredential("b", "*:*:r"), secret: Secret("secret-b"))

        // To a passphrase and back.
        let cost = Vault.PassphraseCost(n: Vault.PassphraseCost.minimumN)
        #expect(errorKind { try reopened.rekey(to: .passphrase(Secret("short")), passphraseCost: cost) } == .invalidInput)
        try reopened.rekey(to: .passphrase(Secret("a long enough passphrase")), passphraseCost: cost)
        let byPassphrase = try Vault.open(at: t.path, key: .passphrase(Secret("a long enough passphrase")))
        #expect(try byPassphrase.fetch("b").secret.text == "secret-b")
        try byPassphrase.rekey(to: .keyFile(t.keyPath))
        #expect(try Vault.open(at: t.path, key: .keyFile(t.keyPath)).fetch("a").secret.text == "secret-a")
        #expect(try t.sql("SELECT kek_kind, kdf_salt FROM vault_meta")[0].string(0) == "key")
        #expect(try t.sql("SELECT action FROM audit_events WHERE action = 'rekey'").count == 3)
    }

    @Test func rotateDataKeyReencryptsEverySecretAndDestroysTheOldKey() throws {
        let t = try TestVault()
        for index in 0..<5 { _ = try t.vault.add(newCredential("c\(index)", "*:*:r"), secret: Secret("secret-\(index)")) }
        _ = try t.vault.rotate("c0", from: .secret(Secret("secret-0b")), policy: RotationPolicy(graceSeconds: 3_600))
        let otherHandle = try t.reopen()  // opened before the rotation, like a long-running connector
        let oldCiphertexts = try t.sql("SELECT ciphertext FROM secret_versions ORDER BY credential_id, version").compactMap { $0.blob(0) }
        let oldWrapped = try #require(try t.sql("SELECT wrapped FROM keys WHERE purpose = 'data'")[0].blob(0))
        #expect(try t.vault.rotateDataKey() == 6)
        let keys = try t.sql("SELECT id, state, wrapped IS NULL FROM keys WHERE purpose = 'data' ORDER BY id")
        #expect(keys.map { "\($0.int64(0)!):\($0.string(1)!):\($0.int64(2)!)" } == ["1:destroyed:1", "3:active:0"])
        let newCiphertexts = try t.sql("SELECT ciphertext FROM secret_versions ORDER BY credential_id, version").compactMap { $0.blob(0) }
        #expect(newCiphertexts.count == 6)
        #expect(Set(newCiphertexts).isDisjoint(with: Set(oldCiphertexts)))
        for index in 1..<5 { #expect(try t.vault.fetch("c\(index)").secret.text == "secret-\(index)") }
        #expect(try t.vault.fetch("c0", version: 1).secret.text == "secret-0")
        // The other handle notices the new data key by itself.
        #expect(try otherHandle.fetch("c3").secret.text == "secret-3")
        _ = try otherHandle.add(newCredential("after", "*:*:r"), secret: Secret("s"))
        #expect(try t.vault.fetch("after").secret.text == "s")
        #expect(try chainIsIntact(t, t.vault))
        // No copy of the destroyed wrapped key or of the old ciphertexts remains on disk.
        #expect(!(try t.storageContains(oldWrapped)))
        for old in oldCiphertexts { #expect(!(try t.storageContains(old))) }
    }

    @Test func aTamperedSecretStopsTheDataKeyRotationAndChangesNothing() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        _ = try t.vault.add(newCredential("b", "*:*:r"), secret: Secret("t"))
        _ = try t.sql(
            "UPDATE secret_versions SET ciphertext = (SELECT ciphertext FROM secret_versions WHERE credential_id = 1) WHERE credential_id = 2")
        #expect(errorKind { try t.vault.rotateDataKey() } == .integrity)
        #expect(try t.sql("SELECT count(*) FROM keys WHERE purpose = 'data'")[0].int64(0) == 1)
        #expect(try t.vault.fetch("a").secret.text == "s")
    }

    @Test func aHandleWithAStaleKEKIsLockedOutAfterARekeyAndRotationElsewhere() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        let stale = try t.reopen()
        try KeyFile.generate(at: t.directory.file("new.key"))
        try t.vault.rekey(to: .keyFile(t.directory.file("new.key")))
        try t.vault.rotateDataKey()
        #expect(errorKind { _ = try stale.fetch("a") } == .locked)
    }
}
