import Dispatch
import Foundation
import Synchronization
import Testing
import TokenVaultStore

@testable import TokenVault

/// The library on a vault kept in PostgreSQL: one schema of the test cluster per test.
@Suite("Vaults in PostgreSQL: creation, concurrent writers, seals, a dying server", .enabled(if: TestPostgres.isAvailable))
struct PostgresVaultTests {
    let directory = TemporaryDirectory()
    var keyPath: String { directory.file("vault.key") }

    init() throws { try KeyFile.generate(at: directory.file("vault.key")) }

    /// The URI of a fresh, empty schema, and its name.
    private func freshSchema() throws -> (uri: String, name: String) {
        let name = "tv_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try TestPostgres.connect().execute("CREATE SCHEMA \(name)")
        return (try #require(TestPostgres.url) + "&options=-csearch_path%3D\(name)", name)
    }

    private func open(_ uri: String, actor: String = "tester") throws -> Vault {
        try Vault.open(at: uri, key: .keyFile(keyPath), configuration: Vault.Configuration(actor: actor))
    }

    @Test("two processes creating a vault in one empty schema at once: one vault, made whole; the other is refused")
    func racingCreations() throws {
        let schema = try freshSchema()
        let outcomes = Mutex<[Result<String, VaultError>]>([])
        let keyPath = keyPath
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let outcome = Result { () throws(VaultError) -> String in
                try Vault.create(at: schema.uri, key: .keyFile(keyPath), configuration: Vault.Configuration(actor: "tester")).path
            }
            outcomes.withLock { $0.append(outcome) }
        }
        let results = outcomes.withLock { $0 }
        let refused = results.compactMap { result -> VaultError? in
            if case .failure(let error) = result { error } else { nil }
        }
        #expect(results.count == 2 && refused.count == 1 && refused.first?.kind == .invalidInput, "\(refused)")
        let report = try open(schema.uri).verifyAuditTrail()
        #expect(report.isIntact && report.eventsChecked == 2)
    }

    @Test("four vault handles (as four processes) fetching and writing at once: no lost event, the chain intact")
    func concurrentWriters() throws {
        let schema = try freshSchema()
        let vault = try Vault.create(at: schema.uri, key: .keyFile(keyPath), configuration: Vault.Configuration(actor: "tester"))
        _ = try vault.add(.legacy(name: "erp"), secret: Secret("erp-secret-1"))
        let failures = Atomic(0)
        let handles = try (0..<4).map { try open(schema.uri, actor: "writer-\($0)") }
        DispatchQueue.concurrentPerform(iterations: 4) { writer in
            for round in 0..<15 {
                do {
                    _ = try handles[writer].fetch("erp")
                    if round % 5 == 0 { _ = try handles[writer].add(.legacy(name: "w\(writer)-\(round)"), secret: Secret("s")) }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let report = try vault.verifyAuditTrail()
        // init, its policy, the add; 60 fetches and 12 adds.
        #expect(report.isIntact && report.eventsChecked == 3 + 60 + 12 && report.credentialsChecked == 13, "\(report)")
    }

    @Test("a seal verifies without the key against the trail in PostgreSQL, and finds events cut off its end")
    func seals() throws {
        let schema = try freshSchema()
        let vault = try Vault.create(at: schema.uri, key: .keyFile(keyPath), configuration: Vault.Configuration(actor: "tester"))
        _ = try vault.add(.legacy(name: "erp"), secret: Secret("erp-secret-1"))
        _ = try vault.fetch("erp")
        let seal = try vault.sealAuditTrail()
        let publicKey = try #require(try vault.sealPublicKey())
        _ = try vault.fetch("erp")
        let intact = try AuditSealVerifier.verify(vaultAt: schema.uri, seal: seal, publicKey: publicKey)
        #expect(intact.isIntact && intact.eventsAfterSeal == 1)
        try TestPostgres.connect().execute("DELETE FROM \(schema.name).audit_events WHERE seq >= 4")
        let truncated = try AuditSealVerifier.verify(vaultAt: schema.uri, seal: seal, publicKey: publicKey)
        #expect(truncated.problem?.kind == .truncated)
    }

    @Test("the server ends the vault's connection: that operation fails whole, the next one reconnects and works")
    func serverEndsTheConnection() throws {
        let schema = try freshSchema()
        // The vault's backends are told apart from other tests' by an application name of their own.
        let uri = schema.uri + "&application_name=\(schema.name)"
        let vault = try Vault.create(at: uri, key: .keyFile(keyPath), configuration: Vault.Configuration(actor: "tester"))
        _ = try vault.add(.legacy(name: "erp"), secret: Secret("erp-secret-1"))
        let killer = try TestPostgres.connect()
        func terminate() throws {
            let ended = try killer.rows("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", [schema.name])
            #expect(ended.first?.int64(0) == 1)
        }
        var failed = 0
        for round in 0..<6 {
            if round % 2 == 0 { try terminate() }
            do {
                _ = try vault.fetch("erp")
            } catch {
                #expect(error.kind == .unavailable, "\(error)")
                failed += 1
            }
        }
        #expect(failed == 3)
        let report = try vault.verifyAuditTrail()
        // The three fetches that failed left nothing; the three others each one event.
        #expect(report.isIntact && report.eventsChecked == 3 + 3, "\(report)")
    }
}
