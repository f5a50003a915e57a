import Foundation
import Synchronization
import Testing
import TokenVaultStore

/// `--vault postgresql://…`: the real binary on a vault in a schema of the test cluster.
@Suite(
    "A vault in PostgreSQL through the CLI and the service", .enabled(if: TestPostgres.isAvailable),
    .enabled(if: TestEngine.isFirstPass, "makes its own PostgreSQL vaults: once is enough"))
struct PostgresVaultCLITests {
    /// A sandbox whose vault is a fresh schema of the test database, created by `init`.
    private func vault() throws -> (box: Sandbox, schema: String) {
        let schema = try TestPostgres.freshSchema()
        return (try Sandbox(vault: schema.uri), schema.name)
    }

    @Test("init makes a vault in an empty schema; the everyday commands work; the trail verifies; a second init is refused")
    func everydayCommands() throws {
        let (box, _) = try vault()
        #expect(
            box.run(
                ["add", "erp-prod", "--project", "shop", "--resource", "orders", "--permissions", "r", "--expires-in", "30d"], input: "erp-secret-1"
            ).status == 0)
        let fetched = box.run(["get", "erp-prod", "--project", "shop", "--resource", "orders", "--permission", "r"])
        #expect(fetched.status == 0 && fetched.out == "erp-secret-1", "\(fetched.err)")
        #expect(box.run(["get", "erp-prod", "--project", "shop", "--resource", "orders", "--permission", "d"]).status == 4)
        #expect(box.run(["rename", "erp-prod", "erp-main"]).status == 0)
        #expect(box.run(["rotate", "erp-main", "--from-stdin"], input: "erp-secret-2\n").status == 0)
        let listed = box.run(["--json", "list"])
        #expect(listed.status == 0 && listed.out.contains("\"erp-main\"") && !listed.out.contains("erp-secret"), "\(listed.out)")
        #expect(box.run(["revoke", "erp-main"]).status == 0)
        #expect(box.run(["get", "erp-main", "--project", "shop", "--resource", "orders", "--permission", "r"]).status == 4)
        let verified = box.run(["audit", "verify"])
        #expect(verified.status == 0 && verified.out.contains("audit trail intact: 9 events"), "\(verified.out)\(verified.err)")
        let again = box.run(["init"])
        #expect(again.status == 2 && again.err.contains("already holds tables"), "\(again.err)")
        // A backup is a verified vault file, which opens with the same key.
        let backup = box.run(["backup", box.file("copy.db")])
        #expect(backup.status == 0 && backup.out.contains("9 events and 1 credentials verified"), "\(backup.out)\(backup.err)")
        let copy = box.run(["--vault", box.file("copy.db"), "audit", "verify"])
        #expect(copy.status == 0 && copy.out.contains("audit trail intact: 9 events"), "\(copy.out)\(copy.err)")
        #expect(box.run(["backup", "postgresql:///elsewhere"]).err.contains("a backup is a vault file"))
        let audit = box.run(["audit"])
        #expect(!audit.out.contains("erp-secret") && !audit.err.contains("erp-secret"))
    }

    @Test("a row changed in the database without the key is found: by the fetch, by audit verify, and an object planted in the schema at open")
    func tamperedRows() throws {
        let (box, schema) = try vault()
        #expect(box.run(["add", "erp", "--legacy"], input: "erp-secret-1").status == 0)
        let database = try TestPostgres.connect()
        try database.execute("UPDATE \(schema).credentials SET expires_at = 4102444800")
        let fetched = box.run(["get", "erp"])
        #expect(fetched.status == 6 && fetched.out.isEmpty && fetched.err.contains("fails its MAC"), "\(fetched.err)")
        try database.execute("UPDATE \(schema).credentials SET expires_at = NULL")
        #expect(box.run(["get", "erp"]).status == 0)
        try database.execute("UPDATE \(schema).audit_events SET actor = 'mallory' WHERE seq = 3")
        let verified = box.run(["audit", "verify"])
        #expect(verified.status == 6 && verified.err.contains("event 3"), "\(verified.err)")
        try database.execute("UPDATE \(schema).audit_events SET actor = 'cli-test' WHERE seq = 3")
        #expect(box.run(["audit", "verify"]).status == 0)
        // An index replaced by one with another predicate would let reads trust a wrong answer.
        try database.execute("DROP INDEX \(schema).audit_events_state")
        try database.execute("CREATE INDEX audit_events_state ON \(schema).audit_events (credential_uid, seq) WHERE changes_state = 0")
        let opened = box.run(["list"])
        #expect(opened.status == 6 && opened.err.contains("index audit_events_state"), "\(opened.err)")
        try database.execute("DROP INDEX \(schema).audit_events_state")
        try database.execute("CREATE INDEX audit_events_state ON \(schema).audit_events (credential_uid, seq) WHERE changes_state = 1")
        #expect(box.run(["list"]).status == 0)
        try database.execute("CREATE FUNCTION \(schema).planted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
        try database.execute("CREATE TRIGGER planted BEFORE INSERT ON \(schema).audit_events FOR EACH ROW EXECUTE FUNCTION \(schema).planted()")
        let planted = box.run(["get", "erp"])
        #expect(planted.status == 6 && planted.out.isEmpty && planted.err.contains("did not create"), "\(planted.err)")
    }

    @Test("four processes fetching at once: every fetch has its event, the chain does not fork")
    func concurrentProcesses() throws {
        let (box, _) = try vault()
        #expect(box.run(["add", "erp", "--legacy"], input: "erp-secret-1").status == 0)
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { process in
            for _ in 0..<10 where box.run(["--actor", "process-\(process)", "get", "erp"]).out != "erp-secret-1" {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let verified = box.run(["audit", "verify"])
        #expect(verified.status == 0 && verified.out.contains("audit trail intact: 43 events"), "\(verified.out)\(verified.err)")
        let fetches = box.run(["--json", "audit", "--action", "fetch"]).out.split(separator: "\n")
        #expect(fetches.count == 40)
    }

    @Test("a schema with another application's tables is refused and left untouched")
    func foreignTables() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let schema = try TestPostgres.freshSchema()
        let database = try TestPostgres.connect()
        try database.execute("CREATE TABLE \(schema.name).orders (id bigint PRIMARY KEY, customer text)")
        try database.execute("INSERT INTO \(schema.name).orders VALUES (1, 'ACME')")
        let created = box.run(["--vault", schema.uri, "init"])
        #expect(created.status == 2 && created.err.contains("already holds tables") && created.err.contains("left untouched"), "\(created.err)")
        let opened = box.run(["--vault", schema.uri, "list"])
        #expect(opened.status == 6 && opened.err.contains("another application's tables"), "\(opened.err)")
        let rows = try database.rows("SELECT id, customer FROM \(schema.name).orders")
        #expect(rows.count == 1 && rows.first?[1] == .text("ACME"))
        let relations = try database.rows(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1", [schema.name])
        #expect(relations.first?[0] == .integer(2))  // the table and its primary key's index
    }

    @Test("a missing database exits 3, an unknown role 5, no server 7, no schema 2, an empty schema 3: each with its own message")
    func wrongDatabases() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let base = try #require(TestPostgres.url)
        let empty = try TestPostgres.freshSchema()
        let cases: [(String, [String], Int32, String)] = [
            (base + "&dbname=no_such_database", ["init"], 3, "the PostgreSQL database does not exist"),
            (base + "&user=no_such_role", ["list"], 5, "refused the login"),
            (base + "&port=1", ["init"], 7, "cannot be reached"),
            (base + "&host=/nonexistent", ["list"], 7, "cannot be reached"),
            (base + "&options=-csearch_path%3Dno_such_schema", ["init"], 2, "its search_path names none that exists"),
            (base + "&no_such_option=1", ["list"], 2, "not a valid PostgreSQL connection URI"),
            (empty.uri, ["list"], 3, "no vault in schema '\(empty.name)'"),
            (empty.uri, ["audit", "verify"], 3, "no vault in schema"),
        ]
        for (uri, arguments, status, message) in cases {
            let result = box.run(["--vault", uri] + arguments)
            #expect(result.status == status && result.err.contains(message), "\(uri) \(arguments): \(result.err)")
            #expect(!result.err.contains(base) && result.out.isEmpty, "the URI is not repeated: \(result.err)")
        }
        let relations = try TestPostgres.connect().rows(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1", [empty.name])
        #expect(relations.first?[0] == .integer(0))
    }

    @Test("the service serves a vault in PostgreSQL: a principal fetches over the Unix socket with curl, each fetch audited")
    func service() throws {
        let (box, _) = try vault()
        #expect(
            box.run(
                ["add", "erp-prod", "--project", "shop", "--resource", "orders", "--permissions", "r", "--expires-in", "30d"], input: "erp-secret-1"
            ).status == 0)
        #expect(box.run(["principal", "add", "app", "--uid", String(getuid()), "--allow", "erp-prod:shop:orders:r"]).status == 0)
        try box.serving { server in
            for _ in 0..<3 {
                let curl = Sandbox.execute(
                    "/usr/bin/curl",
                    [
                        "-s", "--unix-socket", server.socket, "http://vault/v1/fetch", "-d",
                        #"{"name":"erp-prod","project":"shop","resource":"orders","permission":"r"}"#,
                    ],
                    input: [], environment: [:], timeout: 30)
                #expect(curl.status == 0 && curl.out.contains("erp-secret-1"), "\(curl.out)")
            }
        }
        let fetches = box.run(["--json", "audit", "--action", "fetch"]).out.split(separator: "\n")
        #expect(fetches.count == 3 && fetches.allSatisfy { $0.contains("principal:app") })
        #expect(box.run(["audit", "verify"]).status == 0)
        #expect(!box.serverLogText.contains("erp-secret-1"))
    }
}

@Suite(
    "Two service instances on one vault in PostgreSQL", .enabled(if: TestPostgres.isAvailable),
    .enabled(if: TestEngine.isFirstPass, "makes its own PostgreSQL vault: once is enough"))
struct TwoInstancesTests {
    @Test("SIGKILL one of two instances while 32 clients fetch through both: the other serves on, each acknowledged fetch audited once")
    func oneInstanceKilled() throws {
        let schema = try TestPostgres.freshSchema()
        let box = try Sandbox(vault: schema.uri)
        #expect(box.run(["add", "kill-test", "--grant", "kill:test:r", "--expires-in", "90d"], input: "kill-secret-1").status == 0)
        #expect(box.run(["principal", "add", "app", "--uid", String(getuid()), "--allow", "kill-test:kill:test:r"]).status == 0)
        let work = box.file("two")
        let run = box.python("two_instances.py", [toolURL.path, work, "--fetches", "60", "--log", box.serverLog], timeout: 280)
        #expect(run.status == 0, "\(run.out)\(run.err)")
        #expect(run.out.contains("survivor_failures=0 unaudited=0 duplicated=0"), "\(run.out)")
        #expect(run.out.contains("through_survivor=960"), "\(run.out)")
        print("FIGURE|two instances, one SIGKILLed: \(run.out.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(!box.serverLogText.contains("kill-secret-1"))
    }
}

@Suite(
    "Failover to a synchronous standby", .enabled(if: TestPostgres.isAvailable),
    .enabled(if: TestEngine.isFirstPass, "makes its own PostgreSQL cluster pair: once is enough"))
struct FailoverTests {
    @Test(
        "the primary crashes and the standby is promoted while 8 clients fetch: the service goes on through its multi-host URI, nothing acknowledged is lost"
    )
    func failover() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let clusterScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/pg-test-cluster.sh")
            .path
        let run = box.python(
            "failover.py", [toolURL.path, clusterScript, box.file("failover"), "--seconds", "4", "--log", box.serverLog], timeout: 230)
        #expect(run.status == 0, "\(run.out)\(run.err)")
        #expect(run.out.contains("unaudited=0 duplicated=0") && !run.out.contains("after_failover=0 "), "\(run.out)")
        print("FIGURE|failover: \(run.out.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}

@Suite("libpq is loaded by PostgreSQL locations only", .enabled(if: TestEngine.isFirstPass, "of a vault file: once is enough"))
struct PostgresLibraryLoadingTests {
    @Test("tokenvault does not link libpq; a file vault never loads it, a password in a URI is refused before it is loaded")
    func libpqOnlyWhereUsed() throws {
        let linked = Sandbox.execute("/usr/bin/env", ["ldd", toolURL.path], input: [], environment: ["PATH": "/usr/bin:/bin"], timeout: 30)
        #expect(linked.status == 0 && linked.out.contains("libsqlite3") && !linked.out.contains("libpq"), "\(linked.out)")
        let box = try Sandbox(engine: .sqlite)
        func loadsLibpq(_ arguments: [String]) -> Bool {
            let run = box.run(arguments, environment: ["LD_DEBUG": "files"])
            return run.err.contains("libpq.so")
        }
        #expect(!loadsLibpq(["list"]))
        #expect(!loadsLibpq(["--vault", "postgresql://alice:hunter2@127.0.0.1/v", "list"]))
        #expect(loadsLibpq(["--vault", "postgresql:///v?host=/nonexistent", "list"]))
    }
}
