import Foundation
import Testing
import TokenVaultJSON
import TokenVaultStore

/// `tokenvault migrate-to`: the real binary moves a vault file to PostgreSQL (or, without a test
/// cluster, to a new file), and refuses every bad target with its exit code, changing nothing.
@Suite("tokenvault migrate-to")
struct MigrateToCLITests {
    /// A vault (a file, or a schema in the PostgreSQL pass) with two credentials, one renamed and fetched, and a seal.
    static func populated() -> Sandbox {
        let box = try! Sandbox()
        precondition(box.run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "30d"], input: "erp-secret-value-1").status == 0)
        precondition(box.run(["add", "edi", "--grant", "shop:*:r", "--expires-in", "30d"], input: "edi-secret-value-2").status == 0)
        precondition(box.run(["rename", "edi", "procuros"]).status == 0)
        precondition(box.run(["get", "erp"]).status == 0)
        return box
    }

    /// A location on the other engine for the copy: a fresh schema of the test cluster for a
    /// file vault (a new file without a cluster), a new file for a vault in PostgreSQL.
    static func target(_ box: Sandbox) throws -> String {
        TestEngine.isSQLite && TestPostgres.isAvailable ? try TestPostgres.freshSchema().uri : box.file("moved.db")
    }

    func eventCount(_ box: Sandbox) -> Int {
        box.run(["audit", "--json"]).out.split(separator: "\n").count
    }

    @Test func theVaultMovesWithItsTrailAndSealAndOpensWithTheSameKey() throws {
        let box = Self.populated()
        let sealFile = box.file("seal.txt")
        let publicKey = box.file("vault.pub")
        #expect(box.run(["audit", "seal", "--out", sealFile, "--public-key-out", publicKey]).status == 0)
        let target = try Self.target(box)
        let moved = box.run(["migrate-to", target, "--json"])
        #expect(moved.status == 0, "\(moved.err)")
        let report = try JSON.parse(Array(moved.stdout.dropLast()))
        #expect(report["target"]?.stringValue == target)
        #expect(report["credentials_checked"]?.int64Value == 2)
        let events = eventCount(box)
        #expect(report["events_checked"]?.int64Value == Int64(events))

        // The new location: the same key, the same trail (ending with the migrate event), the seal.
        let verify = box.run(["--vault", target, "audit", "verify", "--json"])
        #expect(verify.status == 0, "\(verify.err)")
        #expect(try JSON.parse(Array(verify.stdout.dropLast()))["events_checked"]?.int64Value == Int64(events))
        let sealed = box.run(["--vault", target, "audit", "verify", "--seal", sealFile, "--public-key", publicKey])
        #expect(sealed.status == 0, "\(sealed.err)")
        let last = box.run(["--vault", target, "audit", "--action", "migrate", "--json"])
        #expect(last.out.split(separator: "\n").count == 1 && last.out.contains("moved to"))
        #expect(box.run(["--vault", target, "get", "procuros"]).out == "edi-secret-value-2")
        #expect(box.run(["--vault", target, "add", "new", "--grant", "a:b:r", "--expires-in", "7d"], input: "new-secret-value-3").status == 0)
        #expect(box.run(["--vault", target, "audit", "verify"]).status == 0)
        // No secret in what the command wrote.
        for secret in ["erp-secret-value-1", "edi-secret-value-2"] {
            #expect(!moved.out.contains(secret) && !moved.err.contains(secret))
        }
    }

    @Test func badTargetsAreRefusedWithTheirExitCodesAndTheVaultKeepsNoEvent() throws {
        let box = Self.populated()
        let before = eventCount(box)
        #expect(FileManager.default.createFile(atPath: box.file("exists.db"), contents: Data("keep".utf8)))
        #expect(box.run(["keygen", box.file("other.key")]).status == 0)
        var cases: [([String], Int32, String)] = [
            (["migrate-to", box.file("exists.db")], 2, "something already exists"),
            (["migrate-to", box.vault], 2, "already"),
            (["migrate-to", "postgresql://tv:hunter2-password@localhost/db"], 2, "PGPASSFILE"),
            (["migrate-to", "mysql://localhost/db"], 2, "not a mysql:// URL"),
            (["migrate-to"], 2, "takes 1 argument"),
            (["migrate-to", "a.db", "b.db"], 2, "takes 1 argument"),
            (["--key-file", box.file("other.key"), "migrate-to", box.file("new.db")], 5, "wrong key"),
            (["--vault", box.file("none.db"), "migrate-to", box.file("new.db")], 3, "no vault at"),
        ]
        if let base = TestPostgres.url {
            let foreign = try TestPostgres.freshSchema()
            let database = try TestPostgres.connect()
            try database.execute("CREATE TABLE \(foreign.name).orders (id BIGINT PRIMARY KEY)")
            cases += [
                (["migrate-to", base + "&host=/nonexistent"], 7, "cannot be reached"),
                (["migrate-to", base + "&user=no_such_role"], 5, "refused the login"),
                (["migrate-to", foreign.uri], 2, "already holds tables"),
            ]
        }
        for (arguments, status, message) in cases {
            let result = box.run(arguments)
            #expect(result.status == status && result.err.contains(message), "\(arguments): \(result.status) \(result.err)")
            #expect(result.out.isEmpty && result.err.split(separator: "\n").count <= 2, "\(arguments): \(result.err)")
            #expect(!result.err.contains("hunter2"))
        }
        #expect(FileManager.default.contents(atPath: box.file("exists.db")) == Data("keep".utf8))
        #expect(!FileManager.default.fileExists(atPath: box.file("new.db")))
        #expect(eventCount(box) == before)
        #expect(box.run(["migrate-to", "--help"]).out.contains("USAGE: tokenvault migrate-to <TARGET>"))
    }

    @Test func aTamperedVaultIsNotMovedAndNothingIsCommitted() throws {
        let box = Self.populated()
        let before = eventCount(box)
        // The attacker edits an event's reason in the file, holding no key.
        try box.connection().execute("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 2")
        let target = box.file("moved.db")
        let refused = box.run(["migrate-to", target])
        #expect(refused.status == 6 && refused.err.contains("the copy does not verify"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(eventCount(box) == before)
    }

    @Test(.enabled(if: TestPostgres.isAvailable && TestEngine.isFirstPass, "needs the test cluster; moves a file it makes itself"))
    func aMoveKilledMidwayLeavesNothingOnEitherSide() throws {
        let box = try Sandbox(initialize: false)
        #expect(box.run(["keygen", box.keyFile]).status == 0)
        // 10,000 fetches: a copy long enough (about a second) to be killed in the middle.
        let source = box.file("big.db")
        let bench = toolURL.deletingLastPathComponent().appendingPathComponent("TokenVaultBench").path
        let populated = Sandbox.execute(bench, ["populate", source, box.keyFile, "10000"], input: [], environment: box.environment)
        #expect(populated.status == 0, "\(populated.err)")
        let target = try TestPostgres.freshSchema()
        let database = try TestPostgres.connect()
        // The copy's transaction holds the target vault's writer lock (classid 'TVLT', objid the
        // schema's hash) from its first statement to its end.
        func copying() throws -> Bool {
            let locks = try database.rows(
                """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1414941780
                AND objid::text::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296
                """, [target.name])
            return locks.first?[0] != .integer(0)
        }
        let move = box.start(["--vault", source, "migrate-to", target.uri])
        var polls = 0
        while try !copying(), move.exitStatus() == nil, polls < 2_000 {
            Thread.sleep(forTimeInterval: 0.005)
            polls += 1
        }
        #expect(move.exitStatus() == nil, "the copy ended before it could be killed")
        move.signal(SIGKILL)
        #expect(move.wait() == 128 + SIGKILL)
        // The server rolls the copy back when it sees the client gone.
        polls = 0
        while try copying(), polls < 1_000 {
            Thread.sleep(forTimeInterval: 0.01)
            polls += 1
        }
        #expect(try !copying())
        let tables = try database.rows("SELECT count(*) FROM pg_tables WHERE schemaname = $1", [target.name])
        #expect(tables.first?[0] == .integer(0))
        let events = box.run(["--vault", source, "audit", "--action", "migrate", "--json"])
        #expect(events.status == 0 && events.out.isEmpty, "\(events.out)")
        #expect(box.run(["--vault", source, "audit", "verify"]).status == 0)
        // Nothing was left to get in the way: the move runs again, whole.
        let again = box.run(["--vault", source, "migrate-to", target.uri, "--json"])
        #expect(again.status == 0, "\(again.err)")
        #expect(try JSON.parse(Array(again.stdout.dropLast()))["events_checked"]?.int64Value == 10_004)
    }
}
