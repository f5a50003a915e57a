import Foundation
import Testing
import TokenVaultStore

@testable import TokenVault

@Suite("Keys, tampering and corruption")
struct IntegrityTests {
    @Test func aCiphertextCopiedToAnotherRowFailsToOpen() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("secret-A"))
        _ = try t.vault.add(newCredential("b", "*:*:r"), secret: Secret("secret-B"))
        let rows = try t.sql("SELECT credential_id, ciphertext FROM secret_versions ORDER BY credential_id")
        _ = try t.sql("UPDATE secret_versions SET ciphertext = ? WHERE credential_id = ?", [rows[0].blob(1)!, rows[1].int64(0)!])
        #expect(errorKind { _ = try t.vault.fetch("b") } == .integrity)
        #expect(try t.vault.fetch("a").secret.text == "secret-A")
        let failures = try t.sql("SELECT credential_name, outcome, reason FROM audit_events WHERE outcome = 'error'")
        #expect(failures.map { "\($0.string(0)!) \($0.string(1)!) \($0.string(2)!)" } == ["b error integrity check failed"])
    }

    @Test func flippingAnyByteOfAStoredBlobIsDetected() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("the-secret"))
        let original = try #require(try t.sql("SELECT ciphertext FROM secret_versions")[0].blob(0))
        for index in original.indices {
            var tampered = original
            tampered[index] ^= 0x01
            _ = try t.sql("UPDATE secret_versions SET ciphertext = ?", [tampered])
            #expect(errorKind { _ = try t.vault.fetch("a") } == .integrity, "byte \(index)")
        }
        _ = try t.sql("UPDATE secret_versions SET ciphertext = ?", [Array(original.prefix(10))])
        #expect(errorKind { _ = try t.vault.fetch("a") } == .integrity)
        _ = try t.sql("UPDATE secret_versions SET ciphertext = ?", [original])
        #expect(try t.vault.fetch("a").secret.text == "the-secret")
    }

    @Test func aWrongKeyIsRefusedWithLocked() throws {
        let t = try TestVault()
        try KeyFile.generate(at: t.directory.file("other.key"))
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .keyFile(t.directory.file("other.key"))) } == .locked)
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .keyFile(t.directory.file("missing.key"))) } == .locked)
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .passphrase(Secret("a passphrase here"))) } == .locked)
        // Malformed key files: wrong length, not hex, readable by others.
        for (name, bytes) in [("short.key", [UInt8](repeating: 1, count: 31)), ("text.key", Array("not a key".utf8))] {
            #expect(FileManager.default.createFile(atPath: t.directory.file(name), contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
            #expect(errorKind { _ = try Vault.open(at: t.path, key: .keyFile(t.directory.file(name))) } == .locked)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: t.keyPath)
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .keyFile(t.keyPath)) } == .locked)
    }

    @Test func hexKeyFilesAndKeyCommandsUnlockToo() throws {
        let t = try TestVault()
        let raw = try #require(FileManager.default.contents(atPath: t.keyPath))
        let hex = raw.map { String(format: "%02x", $0) }.joined()
        #expect(
            FileManager.default.createFile(
                atPath: t.directory.file("hex.key"), contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]))
        _ = try Vault.open(at: t.path, key: .keyFile(t.directory.file("hex.key")))
        _ = try Vault.open(at: t.path, key: .command("cat '\(t.keyPath)'"))
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .command("exit 3")) } == .locked)
        #expect(errorKind { _ = try Vault.open(at: t.path, key: .command("echo nonsense")) } == .locked)
    }

    @Test func passphraseVaultsStretchWithStoredScryptParameters() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("vault.db")
        // A trivial cost is refused: below the floor, an unlock costs an attacker nothing.
        for trivial in [2, 1 << 10, 1 << 14] as [UInt64] {
            let weak = Vault.PassphraseCost(n: trivial, r: 8, p: 1)
            #expect(
                errorKind { _ = try Vault.create(at: path, key: .passphrase(Secret("correct horse battery")), passphraseCost: weak) } == .invalidInput
            )
        }
        let cost = Vault.PassphraseCost(n: Vault.PassphraseCost.minimumN, r: 8, p: 1)
        #expect(errorKind { _ = try Vault.create(at: path, key: .passphrase(Secret("short")), passphraseCost: cost) } == .invalidInput)
        #expect(!FileManager.default.fileExists(atPath: path))
        let vault = try Vault.create(at: path, key: .passphrase(Secret("correct horse battery")), passphraseCost: cost)
        _ = try vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        let reopened = try Vault.open(at: path, key: .passphrase(Secret("correct horse battery")))
        #expect(try reopened.fetch("a").secret.text == "s")
        #expect(errorKind { _ = try Vault.open(at: path, key: .passphrase(Secret("wrong horse battery"))) } == .locked)
        #expect(errorKind { _ = try Vault.open(at: path, key: .keyFile(path)) } == .locked)
        let connection = try Connection(path: path, options: Connection.Options())
        let row = try #require(try connection.row("SELECT kek_kind, kdf_n, kdf_r, kdf_p, length(kdf_salt) FROM vault_meta"))
        #expect(row.string(0) == "scrypt" && row.int64(1) == 32_768 && row.int64(2) == 8 && row.int64(3) == 1 && row.int64(4) == 16)
        // A hostile file asking for absurd scrypt memory is refused before any allocation.
        try connection.execute("UPDATE vault_meta SET kdf_n = 1073741824")
        #expect(errorKind { _ = try Vault.open(at: path, key: .passphrase(Secret("correct horse battery"))) } == .integrity)
    }

    @Test func aTamperedWrappedKeyIsAnIntegrityFailureNotAWrongKey() throws {
        let t = try TestVault()
        let wrapped = try #require(try t.sql("SELECT wrapped FROM keys WHERE purpose = 'data'")[0].blob(0))
        var tampered = wrapped
        tampered[20] ^= 0x80
        _ = try t.sql("UPDATE keys SET wrapped = ? WHERE purpose = 'data'", [tampered])
        #expect(errorKind { _ = try t.reopen() } == .integrity)
    }

    @Test func filesArePrivateWhateverTheUmask() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("nested/deeper/vault.db")
        let old = umask(0)
        defer { umask(old) }
        try KeyFile.generate(at: directory.file("k.key"))
        let vault = try Vault.create(at: path, key: .keyFile(directory.file("k.key")))
        _ = try vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        func mode(_ path: String) throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
        #expect(try mode(directory.file("nested/deeper")) == 0o700)
        #expect(try mode(directory.file("nested")) == 0o700)
        #expect(try mode(directory.file("k.key")) == 0o600)
        #expect(errorKind { try KeyFile.generate(at: directory.file("k.key")) } == .invalidInput)
    }

    @Test func missingSymlinkedAndForeignFilesAreRefused() throws {
        let t = try TestVault()
        #expect(errorKind { _ = try Vault.open(at: t.directory.file("none.db"), key: .keyFile(t.keyPath)) } == .notFound)
        try FileManager.default.createSymbolicLink(atPath: t.directory.file("link.db"), withDestinationPath: t.path)
        #expect(errorKind { _ = try Vault.open(at: t.directory.file("link.db"), key: .keyFile(t.keyPath)) } == .invalidInput)
        #expect(errorKind { _ = try Vault.create(at: t.directory.file("link.db"), key: .keyFile(t.keyPath)) } == .invalidInput)
        #expect(errorKind { _ = try Vault.create(at: t.path, key: .keyFile(t.keyPath)) } == .invalidInput)
        #expect(
            FileManager.default.createFile(
                atPath: t.directory.file("junk.db"), contents: Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })))
        #expect(errorKind { _ = try Vault.open(at: t.directory.file("junk.db"), key: .keyFile(t.keyPath)) } == .integrity)
        #expect(FileManager.default.createFile(atPath: t.directory.file("empty.db"), contents: Data()))
        #expect(errorKind { _ = try Vault.open(at: t.directory.file("empty.db"), key: .keyFile(t.keyPath)) } != nil)
    }

    @Test func aVaultFromANewerTokenVaultIsRefused() throws {
        let t = try TestVault()
        _ = try t.sql("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '0999_future.sql', 'x')")
        do {
            _ = try t.reopen()
            Issue.record("opened a vault with a newer schema")
        } catch let error as VaultError {
            #expect(error.kind == .integrity)
            #expect(error.message.contains("newer"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aFailedInitLeavesNothingBehind() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("vault.db")
        #expect(errorKind { _ = try Vault.create(at: path, key: .keyFile(directory.file("missing.key"))) } == .locked)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(errorKind { _ = try Vault.create(at: path, key: .command("exit 1")) } == .locked)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
