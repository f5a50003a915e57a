import Foundation
import Testing

@testable import TokenVaultStore

@Suite("PostgreSQL locations: a URI without a password")
struct PostgresLocationTests {
    @Test("a password anywhere in the URI is refused, also in a URI libpq would refuse")
    func passwordsAreRefused() {
        for uri in [
            "postgresql://alice:hunter2@127.0.0.1/vaults", "postgres://alice:hunter2@127.0.0.1:5432/vaults?sslmode=require",
            "postgresql:///vaults?password=hunter2", "postgresql:///vaults?host=/run/postgresql&sslpassword=hunter2",
            "POSTGRESQL://alice:hunter2@[bad", "postgresql://alice:@127.0.0.1/vaults?password=hunter2",
        ] {
            #expect(throws: PostgresError(.passwordInLocation), "\(uri)") { try PostgresLocation(parsing: uri) }
        }
    }

    @Test("what is not a PostgreSQL URI libpq accepts is refused; the rest is kept as given")
    func parsing() throws {
        for uri in ["postgresql://[bad", "postgresql:///vaults?nosuchoption=1", "mysql://h/db", "/var/lib/vault.db", "postgresql:/x"] {
            #expect(throws: PostgresError(.invalidLocation), "\(uri)") { try PostgresLocation(parsing: uri) }
        }
        for uri in [
            "postgresql:///vaults?host=/run/postgresql", "postgres://tokenvault@db1,db2/vaults?target_session_attrs=read-write",
            "postgresql://tokenvault@127.0.0.1:5433/vaults?passfile=/etc/tokenvault/pgpass&sslmode=verify-full",
            "postgresql://user%40corp@127.0.0.1/vaults",
        ] {
            #expect(try PostgresLocation(parsing: uri).uri == uri)
        }
        #expect(PostgresLocation.isPostgresURI("PostgreSQL://x") && !PostgresLocation.isPostgresURI("postgresq://x"))
    }

    @Test("a failed connection is sorted by libpq's message: the server refusing, a missing database, else unreachable")
    func connectionFailureKinds() {
        let socket = #"connection to server on socket "/tmp/x/.s.PGSQL.5432" failed: "#
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + #"FATAL:  database "v" does not exist"#) == .databaseMissing)
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + #"FATAL:  role "v" does not exist"#) == .refused)
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + "FATAL:  password authentication failed for user") == .refused)
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + "FATAL:  no pg_hba.conf entry for host") == .refused)
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + "No such file or directory") == .unreachable)
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + "FATAL:  the database system is starting up") == .unreachable)
        #expect(PostgresConnection.kind(ofConnectionFailure: socket + "FATAL:  sorry, too many clients already") == .unreachable)
    }
}

@Suite("PostgreSQL connections: binary values, errors without values, lost connections", .enabled(if: TestPostgres.isAvailable))
struct PostgresConnectionTests {
    @Test("every SQLValue crosses unchanged in PostgreSQL's binary format, both ways")
    func valuesRoundTrip() throws {
        let connection = try TestPostgres.connect()
        let blob: [UInt8] = [0, 1, 0xFF, 0, 0x80]
        let values: [any SQLBindable] = [
            Int64.min, Int64.max, Int64(-1), SQLValue.real(0.1), "naïve ✓ 'quoted'", "", blob, [UInt8](), SQLValue.null, true,
        ]
        let row = try #require(try connection.rows("SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, $10", values).first)
        #expect(row[0] == .integer(.min) && row[1] == .integer(.max) && row[2] == .integer(-1) && row[3] == .real(0.1))
        #expect(row[4] == .text("naïve ✓ 'quoted'") && row[5] == .text("") && row[6] == .blob(blob) && row[7] == .blob([]))
        #expect(row[8] == .null && row[9] == .integer(1))
        let kinds = try #require(try connection.rows("SELECT 7::int4, (-3)::int2, true, 'pg_class'::regclass::oid, 1.5::float4, 'x'::varchar").first)
        #expect(kinds[0] == .integer(7) && kinds[1] == .integer(-3) && kinds[2] == .integer(1) && kinds[3] == .integer(1259))
        #expect(kinds[4] == .real(1.5) && kinds[5] == .text("x"))
        #expect(throws: PostgresError(.unsupportedType)) { try connection.rows("SELECT now()") }
        #expect(try connection.rows("SELECT 1 WHERE false").isEmpty)
    }

    @Test("a refused statement keeps its SQLSTATE, never the values; the connection goes on")
    func refusedStatements() throws {
        let connection = try TestPostgres.connect()
        try connection.execute("CREATE TEMPORARY TABLE t (name text PRIMARY KEY, data bytea)")
        try connection.execute("INSERT INTO t VALUES ($1, $2)", ["erp-prod", [UInt8](repeating: 0x41, count: 4)])
        let duplicate = #expect(throws: PostgresError.self) { try connection.execute("INSERT INTO t VALUES ($1, $2)", ["erp-prod", [UInt8]()]) }
        #expect(duplicate?.isUniqueViolation == true && duplicate?.kind == .statementFailed)
        #expect(duplicate.map { "\($0)" } == "PostgreSQL refused a statement (SQLSTATE 23505)")
        // PostgreSQL's text holds no NUL, where SQLite's does: such a write fails, whole.
        let nul = #expect(throws: PostgresError.self) { try connection.execute("INSERT INTO t VALUES ($1, NULL)", ["a\u{0}b"]) }
        #expect(nul?.sqlState == "22021")
        #expect(throws: PostgresError.self) { try connection.execute("SELECT * FROM missing_table") }
        #expect(try connection.rows("SELECT count(*) FROM t").first?[0] == .integer(1))
    }

    @Test("a wrong database, role or address is told apart before anything is sent")
    func connectionFailures() throws {
        #expect(throws: PostgresError(.databaseMissing)) { try TestPostgres.connect("&dbname=no_such_database") }
        #expect(throws: PostgresError(.refused)) { try TestPostgres.connect("&user=no_such_role") }
        #expect(throws: PostgresError(.unreachable)) { try TestPostgres.connect("&port=1") }
        #expect(throws: PostgresError(.unreachable)) { try TestPostgres.connect("&host=/nonexistent") }
    }

    @Test("a connection the server ends is reported lost, not as a refused statement; a new one works")
    func lostConnection() throws {
        let victim = try TestPostgres.connect()
        let pid = try #require(try victim.rows("SELECT pg_backend_pid()").first?.int64(0))
        let killer = try TestPostgres.connect()
        #expect(try killer.rows("SELECT pg_terminate_backend($1::int4)", [pid]).first?[0] == .integer(1))
        #expect(throws: PostgresError(.connectionLost)) { try victim.rows("SELECT 1") }
        #expect(!victim.isConnected)
        #expect(try TestPostgres.connect().rows("SELECT 1").first?[0] == .integer(1))
    }
}

@Suite("The test command's PostgreSQL cluster")
struct PostgresTestClusterTests {
    @Test("in CI the test command provides a throwaway PostgreSQL cluster, so the PostgreSQL tests cannot be skipped there")
    func clusterRunsInCI() {
        guard ProcessInfo.processInfo.environment["CI"] == "true" else { return }
        #expect(TestPostgres.isAvailable, "TOKENVAULT_TEST_POSTGRESQL is not set: scripts/test.sh starts the cluster")
    }
}
