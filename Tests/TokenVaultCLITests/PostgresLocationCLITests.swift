import Foundation
import Testing
import TokenVaultStore

/// `--vault postgresql://…` before PostgreSQL storage exists: every check a PostgreSQL vault
/// will get on the way in runs against a real server, with the exit code it will have, and a
/// location that passes them all is refused as not built, with nothing written.
@Suite("A PostgreSQL location: checked against a real server, refused as not built", .enabled(if: TestPostgres.isAvailable))
struct PostgresLocationCLITests {
    /// Runs `tokenvault --vault URI ARGS` in a sandbox.
    private func run(_ uri: String, _ arguments: [String], in box: Sandbox) -> Run {
        box.run(["--vault", uri] + arguments)
    }

    @Test("an empty schema: init is refused as not built and creates nothing; the other commands find no vault")
    func emptySchema() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let schema = try TestPostgres.freshSchema()
        let created = run(schema.uri, ["init"], in: box)
        #expect(created.status == 2 && created.err.contains("PostgreSQL storage is not built yet"), "\(created.err)")
        for arguments in [["list"], ["get", "erp"], ["audit", "verify"], ["--json", "expiring"]] {
            let opened = run(schema.uri, arguments, in: box)
            #expect(opened.status == 3 && opened.err.contains("no vault in schema '\(schema.name)'"), "\(arguments): \(opened.err)")
        }
        let tables = try TestPostgres.connect().rows(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1", [schema.name])
        #expect(tables.first?[0] == .integer(0))
    }

    @Test("a schema with another application's tables is refused and left untouched")
    func foreignTables() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let schema = try TestPostgres.freshSchema()
        let database = try TestPostgres.connect()
        try database.execute("CREATE TABLE \(schema.name).orders (id bigint PRIMARY KEY, customer text)")
        try database.execute("INSERT INTO \(schema.name).orders VALUES (1, 'ACME')")
        let created = run(schema.uri, ["init"], in: box)
        #expect(created.status == 2 && created.err.contains("already holds tables") && created.err.contains("left untouched"), "\(created.err)")
        let opened = run(schema.uri, ["list"], in: box)
        #expect(opened.status == 6 && opened.err.contains("another application's tables"), "\(opened.err)")
        let rows = try database.rows("SELECT id, customer FROM \(schema.name).orders")
        #expect(rows.count == 1 && rows.first?[1] == .text("ACME"))
        let relations = try database.rows(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", [schema.name])
        #expect(relations.first?[0] == .integer(1))
    }

    @Test("a missing database exits 3, an unknown role 5, no server 7, no schema 2: each with its own message")
    func wrongDatabases() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let base = try #require(TestPostgres.url)
        let cases: [(String, Int32, String)] = [
            ("&dbname=no_such_database", 3, "the PostgreSQL database does not exist"),
            ("&user=no_such_role", 5, "refused the login"),
            ("&port=1", 7, "cannot be reached"),
            ("&host=/nonexistent", 7, "cannot be reached"),
            ("&options=-csearch_path%3Dno_such_schema", 2, "its search_path names none that exists"),
            ("&no_such_option=1", 2, "not a valid PostgreSQL connection URI"),
        ]
        for (parameters, status, message) in cases {
            for arguments in [["init"], ["list"]] {
                let result = run(base + parameters, arguments, in: box)
                #expect(result.status == status && result.err.contains(message), "\(parameters) \(arguments): \(result.err)")
                #expect(!result.err.contains(base) && result.out.isEmpty, "the URI is not repeated: \(result.err)")
            }
        }
    }

    @Test("the service refuses to start on a PostgreSQL location, with the same checks")
    func serveRefuses() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let schema = try TestPostgres.freshSchema()
        let served = Sandbox.execute(
            toolURL.path, ["--vault", schema.uri, "serve", "--socket", box.file("s.sock")], input: [], environment: box.environment, timeout: 30)
        #expect(served.status == 3 && served.err.contains("no vault in schema"), "\(served.err)")
        #expect(!FileManager.default.fileExists(atPath: box.file("s.sock")))
    }
}

@Suite("libpq is loaded by PostgreSQL locations only")
struct PostgresLibraryLoadingTests {
    @Test("tokenvault does not link libpq; a file vault never loads it, a password in a URI is refused before it is loaded")
    func libpqOnlyWhereUsed() throws {
        let linked = Sandbox.execute("/usr/bin/env", ["ldd", toolURL.path], input: [], environment: ["PATH": "/usr/bin:/bin"], timeout: 30)
        #expect(linked.status == 0 && linked.out.contains("libsqlite3") && !linked.out.contains("libpq"), "\(linked.out)")
        let box = try Sandbox()
        func loadsLibpq(_ arguments: [String]) -> Bool {
            let run = box.run(arguments, environment: ["LD_DEBUG": "files"])
            return run.err.contains("libpq.so")
        }
        #expect(!loadsLibpq(["list"]))
        #expect(!loadsLibpq(["--vault", "postgresql://alice:hunter2@127.0.0.1/v", "list"]))
        #expect(loadsLibpq(["--vault", "postgresql:///v?host=/nonexistent", "list"]))
    }
}
