import Foundation
import Testing
import TokenVaultMigrations
import TokenVaultStore

@testable import TokenVault

/// C24: a vault written by the previous release (schema 5, `Tests/Fixtures/schema5`: made by
/// release 0.5's binary with add, legacy add, issue, rotate with grace, fetch, rename, revoke,
/// delete, a refused fetch and a seal) is upgraded in place on its first open with the key.
@Suite("Upgrade of a schema-5 vault to authenticated state", .enabled(if: TestEngine.isSQLite, "PostgreSQL vaults are born at schema 10"))
struct StateUpgradeTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/schema5").path

    /// A copy of the fixture in a temporary directory, and a clock a day after it was written.
    struct Copy {
        let directory = TemporaryDirectory()
        let clock = TestClock(1_796_299_200)  // 2026-12-03T12:00:00Z: a day after, before every expiry in the fixture
        var path: String { directory.file("vault.db") }
        var key: KeySource { .keyFile(directory.file("vault.key")) }

        init() throws {
            // Private modes, as TokenVault writes them: git keeps no file mode but the executable bit.
            for name in ["vault.db", "vault.key", "issued.txt", "seal.txt", "vault.pub"] {
                try FileManager.default.copyItem(atPath: StateUpgradeTests.fixture + "/" + name, toPath: directory.file(name))
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.file(name))
            }
        }

        func open() throws -> Vault {
            try Vault.open(at: path, key: key, configuration: TestVault.configuration(clock: clock, actor: "upgrader"))
        }

        func sql(_ statement: String) throws -> [Row] {
            try Connection(path: path, options: Connection.Options()).rows(statement)
        }

        func text(_ name: String) throws -> String { try String(contentsOfFile: directory.file(name), encoding: .utf8) }
    }

    @Test func theFixtureIsASchema5Vault() throws {
        let copy = try Copy()
        #expect(try copy.sql("SELECT count(*) FROM sqlite_schema WHERE name = 'vault_meta'")[0].int64(0) == 1)
        #expect(try copy.sql("SELECT max(version) FROM schema_migrations")[0].int64(0) == 5)
    }

    @Test func theFirstOpenAuthenticatesTheStateAsItStandsWithOneEvent() throws {
        let copy = try Copy()
        let eventsBefore = try copy.sql("SELECT count(*) FROM audit_events")[0].int64(0) ?? 0
        let vault = try copy.open()
        #expect(try copy.sql("SELECT max(version) FROM schema_migrations")[0].int64(0) == Int64(EmbeddedMigrations.all.count))
        let upgrade = try copy.sql("SELECT seq, changes_state, credential_uid, reason, actor FROM audit_events WHERE action = 'authenticate-state'")
        #expect(upgrade.count == 1)
        let seq = try #require(upgrade.first?.int64(0))
        #expect(seq == eventsBefore + 1)
        #expect(upgrade[0].int64(1) == 1)
        #expect(upgrade[0].string(2) == nil)
        #expect(upgrade[0].string(3) == "schema 6: authenticated the state of 5 credentials as it stood")
        #expect(upgrade[0].string(4) == "upgrader")
        #expect(try copy.sql("SELECT state_epoch FROM vault_meta")[0].int64(0) == seq)
        #expect(try copy.sql("SELECT count(*) FROM credentials WHERE state_seq = \(seq) AND length(state_mac) = 32")[0].int64(0) == 5)
        #expect(try copy.sql("SELECT count(*) FROM secret_versions WHERE state_seq IS NOT \(seq)")[0].int64(0) == 0)
        #expect(try copy.sql("SELECT count(*) FROM name_history WHERE state_seq IS NOT \(seq)")[0].int64(0) == 0)

        // Every decision of the old release still stands.
        #expect(try vault.fetch("erp-prod", need: Need(project: "shop-de", resource: "orders", permissions: .read)).secret.text == "erp-secret-v2")
        #expect(errorKind { _ = try vault.fetch("erp-prod", need: Need(project: "shop-de", resource: "items", permissions: .create)) } == .denied)
        #expect(errorKind { _ = try vault.fetch("erp-old") } == .denied)
        #expect(try vault.fetch("edi-de").secret.text == "edi-secret")
        #expect(errorKind { _ = try vault.fetch("temp") } == .notFound)
        let issued = try copy.text("issued.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try vault.verify(Secret(issued), need: Need(project: "billing", resource: "invoices", permissions: .read)).name == "billing-svc")
        let details = try vault.show("erp-prod")
        #expect(details.versions.map(\.state) == [.previous, .current])
        #expect(try vault.show("edi-de").nameHistory.map(\.name) == ["edi", "edi-de"])

        // The trail and the state verify; the old release's seal still holds for its events.
        let report = try vault.verifyAuditTrail()
        #expect(report.isIntact, "\(String(describing: report.problem))")
        #expect(report.credentialsChecked == 5)
        let seal = try AuditSeal(text: copy.text("seal.txt"))
        let sealed = try AuditSealVerifier.verify(vaultAt: copy.path, seal: seal, publicKey: SealPublicKey.parse(copy.text("vault.pub")))
        #expect(sealed.isIntact)

        // A second open upgrades nothing.
        let again = try copy.open()
        _ = try again.list()
        #expect(try copy.sql("SELECT count(*) FROM audit_events WHERE action = 'authenticate-state'")[0].int64(0) == 1)
    }

    @Test func afterTheUpgradeAForgedValueIsRefused() throws {
        let copy = try Copy()
        _ = try copy.open()
        _ = try copy.sql("UPDATE credentials SET revoked_at = NULL WHERE name = 'erp-old'")
        let vault = try copy.open()
        #expect(errorKind { _ = try vault.fetch("erp-old") } == .integrity)
        #expect(try vault.verifyAuditTrail().problem?.kind == .stateForged)
    }

    @Test func aHeaderThatLostItsMACIsRefusedNotSealedAgain() throws {
        let copy = try Copy()
        _ = try copy.open()
        _ = try copy.sql("UPDATE credentials SET revoked_at = NULL WHERE name = 'erp-old'")
        _ = try copy.sql("UPDATE vault_meta SET state_mac = NULL")
        #expect(errorKind { _ = try copy.open() } == .integrity)
        #expect(try copy.sql("SELECT count(*) FROM audit_events WHERE action = 'authenticate-state'")[0].int64(0) == 1)
    }

    @Test func aWrongKeyUpgradesNothing() throws {
        let copy = try Copy()
        try KeyFile.generate(at: copy.directory.file("other.key"))
        #expect(errorKind { _ = try Vault.open(at: copy.path, key: .keyFile(copy.directory.file("other.key"))) } == .locked)
        #expect(try copy.sql("SELECT max(version) FROM schema_migrations")[0].int64(0) == 5)
    }

}

/// The rows one vault remembers as checked (``CheckedRows``) never let a changed row through.
@Suite("Checked rows are remembered by value")
struct CheckedRowsTests {
    @Test func aRowChangedAfterItWasCheckedIsRefusedByTheSameHandle() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop:orders:r"), secret: Secret("s"))
        for _ in 0..<3 { #expect(try t.vault.fetch("erp").secret.text == "s") }  // checked, then remembered
        let zeroMAC: [any SQLBindable] = [[UInt8](repeating: 0, count: 32)]
        for (tampering, arguments) in [
            ("UPDATE credentials SET expires_at = NULL", []),
            ("UPDATE grants SET permissions = 'crud'", []),
            ("UPDATE credentials SET state_mac = ?", zeroMAC),
        ] {
            let copy = try t.sql("SELECT expires_at, state_mac FROM credentials")[0]
            let permissions = try t.sql("SELECT permissions FROM grants")[0].string(0) ?? ""
            _ = try t.sql(tampering, arguments)
            #expect(errorKind { _ = try t.vault.fetch("erp") } == .integrity, "\(tampering)")
            _ = try t.sql("UPDATE credentials SET expires_at = ?, state_mac = ?", [copy.int64(0), copy.blob(1)])
            _ = try t.sql("UPDATE grants SET permissions = ?", [permissions])
            #expect(try t.vault.fetch("erp").secret.text == "s", "\(tampering) undone")
        }
    }
}

/// The select lists generated from the records' column enums are the schema's column names.
@Suite("Record columns")
struct RecordColumnTests {
    @Test func selectListsNameTheSchemasColumns() {
        #expect(
            StoredCredential.columns == """
                c.id, c.uid, c.name, c.kind, c.legacy, c.description, c.issuer, c.api_url, c.created_at, c.expires_at, \
                c.revoked_at, c.deleted_at, c.last_test_at, c.last_test_ok, c.last_test_detail, c.hook, \
                (SELECT v.version FROM secret_versions v WHERE v.credential_id = c.id AND v.state = 'current'), c.state_seq, c.state_mac
                """)
        #expect(
            StoredVersion.columns == """
                credential_id, version, state, key_id, ciphertext, fingerprint, created_at, valid_until, \
                retire_on_first_use_of, first_used_at, upstream_id, upstream_expires_at, owed_step, owed_attempts, owed_detail, \
                closed_at, state_seq, state_mac
                """)
        #expect(StoredName.columns == "name, named_at, rowid, state_seq, state_mac")
        #expect(StoredGrant.columns == "project, resource, permissions")
    }
}
