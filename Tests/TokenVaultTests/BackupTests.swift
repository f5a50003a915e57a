import Foundation
import Testing

@testable import TokenVault

/// `Vault.backup(to:)`: a consistent copy in one file, verified, audited.
@Suite("Backup")
struct BackupTests {
    @Test func theCopyIsOneVerifiedPrivateFileThatOpensWithTheSameKey() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("erp-secret"))
        _ = try t.vault.fetch("erp")
        // The newest pages are in the -wal (no checkpoint yet): the copy must hold them.
        #expect(!TestEngine.isSQLite || FileManager.default.fileExists(atPath: t.path + "-wal"))
        let copy = t.directory.file("copy.db")
        let report = try t.vault.backup(to: copy)
        #expect(report.eventsChecked == 4 && report.credentialsChecked == 1)
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal") && !FileManager.default.fileExists(atPath: copy + "-shm"))
        let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let restored = try Vault.open(at: copy, key: .keyFile(t.keyPath), configuration: TestVault.configuration(clock: t.clock))
        #expect(try restored.fetch("erp").secret.text == "erp-secret")
        #expect(try restored.verifyAuditTrail().isIntact)
        let events = try t.sql("SELECT action, reason FROM audit_events WHERE action = 'backup'")
        #expect(events.count == 1 && events[0].string(1)?.hasPrefix("copied 4 events to '") == true)
    }

    @Test func aDeletedSecretIsNotInTheCopy() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("gone", "*:*:r"), secret: Secret("deleted-secret-canary"))
        _ = try t.vault.delete("gone")
        let copy = t.directory.file("copy.db")
        _ = try t.vault.backup(to: copy)
        #expect(!fileContains(copy, Array("deleted-secret-canary".utf8)))
    }

    @Test func anExistingPathOrAMissingFolderIsRefusedAndNothingIsLeft() throws {
        let t = try TestVault()
        let taken = t.directory.file("taken.db")
        #expect(FileManager.default.createFile(atPath: taken, contents: Data("keep".utf8)))
        #expect(errorKind { _ = try t.vault.backup(to: taken) } == .invalidInput)
        #expect(FileManager.default.contents(atPath: taken) == Data("keep".utf8))
        #expect(errorKind { _ = try t.vault.backup(to: t.directory.file("missing/copy.db")) } == .failed)
        #expect(errorKind { _ = try t.vault.backup(to: "postgresql:///elsewhere") } == .invalidInput)
        #expect(try t.sql("SELECT count(*) FROM audit_events WHERE action = 'backup'").first?.int64(0) == 0)
    }

    @Test func aCopyOfATamperedVaultDoesNotVerifyAndIsRemoved() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("s"))
        _ = try t.sql("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2")
        let copy = t.directory.file("copy.db")
        #expect(errorKind { _ = try t.vault.backup(to: copy) } == .integrity)
        #expect(!FileManager.default.fileExists(atPath: copy))
    }
}
