import Foundation
import Testing
import TokenVaultStore

@testable import TokenVault

/// `migrate-to`: a vault copied to the other engine (SQLite to PostgreSQL, or back) keeps its ids,
/// trail, state, keys and seals; a copy that does not verify, or a target that holds anything,
/// leaves both sides as they were.
@Suite("Moving a vault to another location")
struct MigrateToTests {
    /// A location on the other engine where one runs: a fresh PostgreSQL schema for a file vault
    /// (when the test cluster runs), a new file for a vault in PostgreSQL.
    static func otherEngine(_ t: TestVault) throws -> String {
        TestEngine.isSQLite && TestPostgres.isAvailable ? try TestPostgres.freshSchemaURI() : t.directory.file("moved.db")
    }

    /// A vault with every kind of row: credentials renamed, deleted, rotated and fetched, a
    /// principal, an issuer policy, a seal.
    static func populated() throws -> TestVault {
        let t = try TestVault()
        for index in 1...3 {
            _ = try t.vault.add(newCredential("c\(index)", "shop:orders:r"), secret: Secret("secret-\(index)"))
        }
        try t.vault.rename("c1", to: "c-one")
        _ = try t.vault.delete("c2")
        _ = try t.vault.rotate("c3", from: .secret(Secret("secret-3b")))
        _ = try t.vault.fetch("c3")
        _ = try t.vault.addPrincipal("bot", recognisedBy: .uid(4242), allow: [try AllowEntry(parsing: "c3:shop:orders:r")])
        _ = try t.vault.setIssuerPolicy("procuros", maxLifetime: 90 * 86_400)
        _ = try t.vault.sealAuditTrail()
        return t
    }

    func values(_ row: Row) -> [SQLValue] { (0..<row.count).map { row[$0] } }

    func events(_ t: TestVault) throws -> Int64 { try t.sql("SELECT count(*) FROM audit_events")[0].int64(0) ?? -1 }

    @Test func theCopyKeepsIdsTrailStateAndSealsAndWorksOn() throws {
        let t = try Self.populated()
        let seal = try t.vault.sealAuditTrail()
        let publicKey = try #require(try t.vault.sealPublicKey())
        let target = try Self.otherEngine(t)
        let report = try t.vault.migrate(to: target)

        // Both trails end with the same migrate event, which names the target.
        let sourceEvents = try events(t)
        #expect(report.eventsChecked == sourceEvents && report.eventsChecked == seal.eventCount + 1)
        #expect(report.credentialsChecked == 3)
        let last = try t.sql("SELECT action, reason, hash FROM audit_events ORDER BY seq DESC LIMIT 1")[0]
        #expect(last.string(0) == "migrate" && last.string(1) == "moved to '\(target)'")

        let moved = try Vault.open(at: target, key: .keyFile(t.keyPath), configuration: TestVault.configuration(clock: t.clock))
        let verified = try moved.verifyAuditTrail()
        #expect(verified.isIntact && verified.eventsChecked == sourceEvents && verified.credentialsChecked == 3)
        #expect(verified.headHash == last.blob(2))
        // A seal made before the move verifies on the copy, without the vault key.
        let sealed = try AuditSealVerifier.verify(vaultAt: target, seal: seal, publicKey: publicKey)
        #expect(sealed.isIntact && sealed.eventsAfterSeal == 1)
        #expect(try moved.sealPublicKey() == publicKey)

        // Every row as it was: credential ids, names, versions, principals, policies.
        let copy = try Connection(location: try StoreLocation(vault: target), options: Connection.Options())
        for query in [
            "SELECT id, uid, name, state_seq, state_mac FROM credentials ORDER BY id",
            "SELECT credential_id, version, state, ciphertext, state_mac FROM secret_versions ORDER BY credential_id, version",
            "SELECT rowid, credential_id, name FROM name_history ORDER BY rowid",
            "SELECT uid, name, state_mac FROM principals ORDER BY uid",
            "SELECT issuer, max_lifetime, state_mac FROM issuer_policies ORDER BY issuer",
            "SELECT seq, hash, mac FROM audit_events ORDER BY seq",
        ] {
            #expect(try copy.rows(query).map(values) == t.sql(query).map(values), "\(query)")
        }

        // The copy works on: a fetch, a new credential with the next id, a principal's rights.
        #expect(try moved.fetch("c3").secret.text == "secret-3b")
        #expect(try moved.fetch("c-one").secret.text == "secret-1")
        _ = try moved.add(newCredential("c4", "shop:orders:r"), secret: Secret("secret-4"))
        #expect(try copy.rows("SELECT id FROM credentials WHERE name = 'c4'").first?.int64(0) == 4)
        _ = try moved.addPrincipal("bot2", recognisedBy: .uid(4243))
        #expect(try moved.principals().map(\.name).sorted() == ["bot", "bot2"])
        #expect(try moved.verifyAuditTrail().isIntact)
    }

    @Test func aCopyToANewFileIsOneVerifiedFile() throws {
        let t = try Self.populated()
        let target = t.directory.file("copy.db")
        var progress: [Int64] = []
        let report = try t.vault.migrate(to: target) { progress.append($0) }
        #expect(report.eventsChecked == (try events(t)))
        #expect(!progress.isEmpty && progress == progress.sorted() && progress.last == report.rowsCopied)
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: target + "-wal"))
        let moved = try Vault.open(at: target, key: .keyFile(t.keyPath), configuration: TestVault.configuration(clock: t.clock))
        #expect(try moved.verifyAuditTrail().isIntact)
        #expect(try moved.fetch("c3").secret.text == "secret-3b")
    }

    @Test func aTargetThatHoldsAnythingIsRefusedAndNothingChanges() throws {
        let t = try Self.populated()
        let before = try events(t)
        let file = t.directory.file("exists.db")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("keep".utf8)))
        #expect(errorKind { _ = try t.vault.migrate(to: file) } == .invalidInput)
        #expect(FileManager.default.contents(atPath: file) == Data("keep".utf8))
        // A vault already there: also refused.
        let other = try TestVault()
        let otherEvents = try other.vault.verifyAuditTrail().eventsChecked
        #expect(errorKind { _ = try t.vault.migrate(to: other.path) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.migrate(to: t.path) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.migrate(to: "postgresql://tv:secret@localhost/db") } == .invalidInput)
        #expect(errorKind { _ = try t.vault.migrate(to: "") } == .invalidInput)
        #expect(try events(t) == before)
        #expect(try other.vault.verifyAuditTrail().eventsChecked == otherEvents)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "needs the test cluster"))
    func aSchemaWithAnotherApplicationsTablesIsRefusedAndLeftUntouched() throws {
        let t = try Self.populated()
        let before = try events(t)
        let target = try TestPostgres.freshSchemaURI()
        let foreign = try Connection(location: try StoreLocation(vault: target), options: Connection.Options())
        try foreign.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY)")
        try foreign.execute("INSERT INTO orders VALUES (1)")
        #expect(errorKind { _ = try t.vault.migrate(to: target) } == .invalidInput)
        #expect(try foreign.tableNames() == ["orders"])
        #expect(try foreign.rows("SELECT id FROM orders").count == 1)
        #expect(try events(t) == before)
    }

    @Test func aTamperedVaultIsNotCopiedAndKeepsNoMigrateEvent() throws {
        let t = try Self.populated()
        let before = try events(t)
        _ = try t.sql("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 3")
        let target = try Self.otherEngine(t)
        #expect(errorKind { _ = try t.vault.migrate(to: target) } == .integrity)
        #expect(try events(t) == before)
        // Nothing committed on the target: a file is removed, a schema stays empty.
        switch try StoreLocation(vault: target) {
        case .file(let path): #expect(!FileManager.default.fileExists(atPath: path))
        case .postgresql:
            let copy = try Connection(location: try StoreLocation(vault: target), options: Connection.Options())
            #expect(try copy.tableNames().isEmpty)
        }
    }

    @Test(.enabled(if: TestEngine.isSQLite && TestPostgres.isAvailable, "puts a NUL byte in a file vault's text"))
    func textPostgreSQLCannotStoreFailsTheCopyWhole() throws {
        let t = try Self.populated()
        let before = try events(t)
        _ = try t.sql("UPDATE audit_events SET reason = 'a' || char(0) || 'b' WHERE seq = 3")
        let target = try TestPostgres.freshSchemaURI()
        #expect(errorKind { _ = try t.vault.migrate(to: target) } == .invalidInput)
        #expect(try Connection(location: try StoreLocation(vault: target), options: Connection.Options()).tableNames().isEmpty)
        #expect(try events(t) == before)
    }

    @Test func aForgedCredentialRowIsNotCopied() throws {
        let t = try Self.populated()
        _ = try t.sql("UPDATE credentials SET expires_at = expires_at + 86400 WHERE name = 'c3'")
        let target = t.directory.file("copy.db")
        #expect(errorKind { _ = try t.vault.migrate(to: target) } == .integrity)
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func theCopysCheckInSmallPartsFindsWhatAuditVerifyFinds() throws {
        let t = try Self.populated()
        let db = try Connection(location: t.vault.location, options: Connection.Options())
        let keys = t.vault.keys
        func inParts() throws -> AuditReport {
            let chain = try AuditChainWalker.walk(db, vaultID: keys.vaultID, auditKey: keys.auditKey, eventsPerPart: 2)
            return AuditReport(chain: chain, state: try StateVerifier.check(db, keys: keys, credentialsPerPart: 1))
        }
        let intact = try inParts()
        let count = try events(t)
        #expect(intact.isIntact && intact.eventsChecked == count && intact.credentialsChecked == 3)
        _ = try t.sql("UPDATE credentials SET expires_at = expires_at + 1 WHERE name = 'c3'")
        let stateProblem = try inParts().problem
        let stateVerified = try t.vault.verifyAuditTrail().problem
        #expect(stateProblem != nil && stateProblem?.description == stateVerified?.description)
        _ = try t.sql("UPDATE audit_events SET actor = 'someone' WHERE seq = 7")
        let chainProblem = try inParts().problem
        let verified = try t.vault.verifyAuditTrail().problem
        #expect(chainProblem?.sequence == 7 && chainProblem?.description == verified?.description)
    }

    @Test func theCopyKnowsEveryTableOfAVault() throws {
        let t = try TestVault()
        let tables = try Connection(location: t.vault.location, options: Connection.Options()).tableNames()
        #expect(tables.subtracting(["schema_migrations"]) == Set(VaultCopy.tables.map(\.name)))
    }

    @Test func aPrincipalOfTheServiceMayNotMoveTheVault() throws {
        let t = try Self.populated()
        let bot = try t.vault.principal(named: "bot")
        let before = try events(t)
        #expect(errorKind { _ = try t.vault.acting(as: bot, peer: "uid=4242").migrate(to: t.directory.file("copy.db")) } == .denied)
        #expect(try events(t) == before + 1)  // the refusal, audited as a read
        #expect(!FileManager.default.fileExists(atPath: t.directory.file("copy.db")))
    }

    @Test(.enabled(if: TestEngine.isSQLite && TestPostgres.isAvailable, "copies the schema-5 fixture (a file) to PostgreSQL"))
    func anUpgradedVaultMovesWithItsEpoch() throws {
        let copy = try StateUpgradeTests.Copy()
        let vault = try copy.open()
        let epoch = try #require(try copy.sql("SELECT state_epoch FROM vault_meta")[0].int64(0))
        #expect(epoch > 0)
        let target = try TestPostgres.freshSchemaURI()
        let report = try vault.migrate(to: target)
        let moved = try Vault.open(at: target, key: copy.key, configuration: TestVault.configuration(clock: copy.clock))
        let verified = try moved.verifyAuditTrail()
        #expect(verified.isIntact && verified.eventsChecked == report.eventsChecked && verified.credentialsChecked == 5)
        #expect(moved.stateEpoch == epoch)
    }
}
