import Foundation
import Testing
import TokenVaultMigrations
import TokenVaultStore

/// `migrations-postgresql/0010_postgresql_baseline.sql` against the schema SQLite has after every
/// embedded migration: the PostgreSQL vault must be born with the same schema, translated.
///
/// Compared, table by table, from each engine's catalog: the table set; the columns' names, order,
/// types (INTEGER→bigint, TEXT→text, BLOB→bytea), NOT NULL and defaults; the primary key's columns
/// in order; the UNIQUE constraints' columns; the foreign keys (columns, referenced table and
/// columns, ON UPDATE and ON DELETE); the explicit indexes (name, uniqueness, columns, partial
/// predicate); and the CHECK constraints. On PostgreSQL alone: every text column has collation
/// "C", the identity columns are the planned ones, and the schema holds no trigger, rule, view,
/// function, policy or relation other than tables, their indexes and identity sequences.
///
/// CHECKs and index predicates are compared as text reduced to a form both engines' texts share
/// (``normalized(_:)``): casts dropped, `octet_length` read as `length`, `IN` lists and
/// `= ANY (ARRAY[…])` spelled out as `=`/`OR` chains, `BETWEEN` as two comparisons, then every
/// parenthesis and space dropped. So a changed constant, column, operator or literal shows, but
/// a change of grouping alone does not, nor does an equivalent expression spelt otherwise; the
/// probes in ``checksRefuseWhatSQLiteRefuses()`` run some of the CHECKs on both engines for that.
/// Not compared: index column order direction (all ascending), index method (PostgreSQL btree),
/// and constraint names (SQLite names none of its UNIQUE or CHECK constraints).
@Suite("PostgreSQL baseline schema", .enabled(if: TestPostgres.isAvailable))
struct PostgresBaselineTests {
    /// What PostgreSQL has on purpose that SQLite's catalog does not list: `name_history.rowid`,
    /// SQLite's implicit rowid made a real column (the program orders and addresses name rows
    /// by it), unique as a rowid is.
    static let extraColumns = ["name_history": ["rowid"]]
    static let extraUniques = ["name_history": [["rowid"]]]
    /// The identity columns: the keys the program leaves to the database (SQLite's INTEGER
    /// PRIMARY KEY assigns them when an insert omits them), and name_history's rowid. The other
    /// INTEGER PRIMARY KEYs (vault_meta.singleton, keys.id, seal_keys.id, audit_events.seq) are
    /// always given by the program.
    static let identityColumns: Set = ["credentials.id", "principals.id", "name_history.rowid"]

    @Test func catalogMatchesTheSQLiteSchema() throws {
        let schemas = try BothSchemas()
        let sqlite = try Self.sqliteTables(schemas.sqlite)
        var postgres = try Self.postgresTables(schemas.postgres)
        #expect(sqlite.count == 11)
        #expect(postgres.keys.sorted() == sqlite.keys.sorted())

        for (table, extras) in Self.extraColumns {
            let columns = postgres[table]?.columns ?? []
            #expect(Array(columns.suffix(extras.count).map(\.name)) == extras, "\(table) ends with \(extras)")
            postgres[table]?.columns.removeLast(min(extras.count, columns.count))
        }
        for (table, extras) in Self.extraUniques {
            for unique in extras {
                #expect(postgres[table]?.uniques.remove(unique) != nil, "\(table) has UNIQUE \(unique)")
            }
        }
        for table in sqlite.keys.sorted() {
            let expected = sqlite[table] ?? Table()
            let actual = postgres[table] ?? Table()
            #expect(actual.columns == expected.columns, "\(table): columns")
            #expect(actual.primaryKey == expected.primaryKey, "\(table): primary key")
            #expect(actual.uniques == expected.uniques, "\(table): UNIQUE constraints")
            #expect(actual.foreignKeys == expected.foreignKeys, "\(table): foreign keys")
            #expect(actual.indexes == expected.indexes, "\(table): indexes")
            #expect(actual.checks == expected.checks, "\(table): CHECK constraints")
        }
    }

    @Test func postgresHoldsOnlyTablesIndexesAndIdentitySequences() throws {
        let schemas = try BothSchemas()
        let db = schemas.postgres
        let columns = try db.rows(
            """
            SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)::text,
                coalesce(l.collname::text, ''), a.attidentity::text
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_collation l ON l.oid = a.attcollation
            WHERE c.relnamespace = \(Self.namespace) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            """
        )
        #expect(columns.count > 100)
        var identities: Set<String> = []
        for column in columns {
            let name = "\(column.string(0) ?? "").\(column.string(1) ?? "")"
            let type = column.string(2) ?? ""
            #expect(["bigint", "text", "bytea"].contains(type), "\(name) is \(type)")
            #expect(column.string(3) == (type == "text" ? "C" : ""), "\(name)'s collation")
            switch column.string(4) {
            case "": break
            case "d": identities.insert(name)
            default: Issue.record("\(name) is GENERATED ALWAYS")
            }
        }
        #expect(identities == Self.identityColumns)

        let forbidden = try #require(
            try db.rows(
                """
                SELECT
                    (SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
                        WHERE c.relnamespace = \(Self.namespace) AND NOT g.tgisinternal)::bigint,
                    (SELECT count(*) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
                        WHERE c.relnamespace = \(Self.namespace))::bigint,
                    (SELECT count(*) FROM pg_class c WHERE c.relnamespace = \(Self.namespace)
                        AND (c.relkind NOT IN ('r', 'i', 'S') OR c.relrowsecurity))::bigint,
                    (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = \(Self.namespace))::bigint,
                    (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                        WHERE c.relnamespace = \(Self.namespace))::bigint,
                    (SELECT count(*) FROM pg_type t WHERE t.typnamespace = \(Self.namespace)
                        AND t.typtype IN ('d', 'e', 'r', 'm'))::bigint,
                    (SELECT count(*) FROM pg_constraint k WHERE k.connamespace = \(Self.namespace)
                        AND k.contype NOT IN ('p', 'u', 'f', 'c'))::bigint,
                    (SELECT count(*) FROM pg_class c WHERE c.relnamespace = \(Self.namespace) AND c.relkind = 'S')::bigint
                """
            ).first
        )
        #expect(forbidden.int64(0) == 0, "triggers")
        #expect(forbidden.int64(1) == 0, "rules (and views)")
        #expect(forbidden.int64(2) == 0, "relations other than tables, indexes and sequences, or row-level security")
        #expect(forbidden.int64(3) == 0, "functions and procedures")
        #expect(forbidden.int64(4) == 0, "row-level security policies")
        #expect(forbidden.int64(5) == 0, "domains, enums and ranges")
        #expect(forbidden.int64(6) == 0, "exclusion or constraint triggers")
        #expect(forbidden.int64(7) == Int64(Self.identityColumns.count), "one sequence per identity column, no other")
    }

    /// Rows that SQLite's CHECKs refuse or accept, and PostgreSQL must judge alike: refused with
    /// SQLSTATE 23514 (check_violation). Each runs in a transaction rolled back after it.
    @Test func checksRefuseWhatSQLiteRefuses() throws {
        let schemas = try BothSchemas()
        let hash = SQLValue.blob(Array(repeating: 7, count: 32))
        let short = SQLValue.blob(Array(repeating: 7, count: 31))
        let salt = SQLValue.blob(Array(repeating: 1, count: 16))
        let vaultID = SQLValue.blob(Array(repeating: 2, count: 16))
        let event =
            "INSERT INTO audit_events (seq, at, actor, action, outcome, changes_state, hash, mac) VALUES (1, 0, 'tester', 'fetch', ?, ?, ?, ?)"
        let meta = "INSERT INTO vault_meta (singleton, vault_id, created_at, kek_kind, kdf_salt) VALUES (1, ?, 0, ?, ?)"
        let principal = """
            INSERT INTO principals (uid, name, match_kind, match_id, match_text, token_hash, admin, allow, created_at, state_seq, state_mac)
            VALUES ('u1', 'p1', ?, ?, ?, ?, ?, '', 0, 1, ?)
            """
        let credential = "INSERT INTO credentials (uid, name, kind, created_at, last_test_ok) VALUES ('c1', ?, ?, 0, ?)"
        let probes: [(what: String, sql: String, arguments: [SQLValue], refused: Bool)] = [
            ("an audit outcome outside ok/denied/error", event, [.text("maybe"), .integer(0), hash, hash], true),
            ("an audit outcome 'denied'", event, [.text("denied"), .integer(0), hash, hash], false),
            ("changes_state 2", event, [.text("ok"), .integer(2), hash, hash], true),
            ("an audit hash of 31 bytes", event, [.text("ok"), .integer(1), short, hash], true),
            ("a scrypt KEK without a salt", meta, [vaultID, .text("scrypt"), .null], true),
            ("a key-file KEK with a salt", meta, [vaultID, .text("key"), salt], true),
            ("a key-file KEK without a salt", meta, [vaultID, .text("key"), .null], false),
            ("a scrypt KEK with a salt", meta, [vaultID, .text("scrypt"), salt], false),
            ("a vault id of 31 bytes", meta, [short, .text("key"), .null], true),
            ("a certificate principal without match_text", principal, [.text("certificate"), .null, .null, .null, .integer(0), hash], true),
            ("a certificate principal", principal, [.text("certificate"), .null, .text("ab"), .null, .integer(0), hash], false),
            ("a uid principal without match_id", principal, [.text("uid"), .null, .null, .null, .integer(0), hash], true),
            ("a uid principal with admin 2", principal, [.text("uid"), .integer(1000), .null, .null, .integer(2), hash], true),
            ("a token principal with a 31-byte hash", principal, [.text("token"), .null, .null, short, .integer(1), hash], true),
            ("a token principal", principal, [.text("token"), .null, .null, hash, .integer(1), hash], false),
            ("a name of 51 characters", credential, [.text(String(repeating: "a", count: 51)), .text("stored"), .null], true),
            ("a name of 50 two-byte characters", credential, [.text(String(repeating: "é", count: 50)), .text("stored"), .null], false),
            ("an empty name", credential, [.text(""), .text("stored"), .null], true),
            ("a kind outside stored/issued", credential, [.text("c1"), .text("other"), .null], true),
            ("last_test_ok 2", credential, [.text("c1"), .text("issued"), .integer(2)], true),
        ]
        for probe in probes {
            let sqliteRefused: Bool
            try schemas.sqlite.execute("BEGIN")
            do {
                try schemas.sqlite.execute(probe.sql, probe.arguments)
                sqliteRefused = false
            } catch {
                #expect(error.code == ResultCode(rawValue: 19 | (1 << 8)), "SQLite: \(probe.what)")
                sqliteRefused = true
            }
            try schemas.sqlite.execute("ROLLBACK")

            var postgresRefused = false
            try schemas.postgres.execute("BEGIN")
            do {
                try schemas.postgres.execute(Self.numberingParameters(probe.sql), probe.arguments)
            } catch {
                #expect(error.sqlState == "23514", "PostgreSQL: \(probe.what)")
                postgresRefused = true
            }
            try schemas.postgres.execute("ROLLBACK")

            #expect(sqliteRefused == probe.refused, "SQLite: \(probe.what)")
            #expect(postgresRefused == probe.refused, "PostgreSQL: \(probe.what)")
        }
    }

    // MARK: - Both schemas

    /// A fresh SQLite file with every embedded migration applied, and a fresh PostgreSQL schema
    /// (dropped at the end) with the baseline run in it, in one transaction as the migrator will.
    final class BothSchemas {
        let directory = TemporaryDirectory()
        let sqlite: Connection
        let postgres: PostgresConnection
        private let administration: PostgresConnection
        private let schema = "tv_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")

        init() throws {
            var options = Connection.Options()
            options.create = true
            sqlite = try Connection(path: directory.file("vault.db"), options: options)
            try sqlite.execute("BEGIN IMMEDIATE")
            for migration in EmbeddedMigrations.all { try sqlite.execute(migration.sql) }
            try sqlite.execute("COMMIT")

            administration = try TestPostgres.connect()
            try administration.execute("CREATE SCHEMA \(schema)")
            postgres = try TestPostgres.connect("&options=-csearch_path%3D\(schema)")
            try postgres.execute("BEGIN")
            for statement in try PostgresBaselineTests.baselineStatements() { try postgres.execute(statement) }
            try postgres.execute("COMMIT")
        }

        deinit { try? administration.execute("DROP SCHEMA \(schema) CASCADE") }
    }

    /// The baseline's statements, from the repository's file, without comments.
    static func baselineStatements() throws -> [String] {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations-postgresql/0010_postgresql_baseline.sql")
        let text = Array(try String(contentsOf: file, encoding: .utf8))
        var statements: [String] = []
        var current = ""
        var index = 0
        var quoted = false
        while index < text.count {
            let character = text[index]
            if !quoted, character == "-", index + 1 < text.count, text[index + 1] == "-" {
                while index < text.count, text[index] != "\n" { index += 1 }
                continue
            }
            if character == "'" { quoted.toggle() }
            if !quoted, character == ";" {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            } else {
                current.append(character)
            }
            index += 1
        }
        #expect(current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the last statement ends with ';'")
        return statements
    }

    /// `?` parameters as PostgreSQL's `$1`, `$2`… (the probes hold no `?` in literals).
    static func numberingParameters(_ sql: String) -> String {
        var number = 0
        return sql.reduce(into: "") { result, character in
            guard character == "?" else { return result.append(character) }
            number += 1
            result += "$\(number)"
        }
    }

    // MARK: - What both catalogs say

    struct Column: Equatable, CustomStringConvertible {
        var name: String
        /// PostgreSQL's name for the type: bigint, text or bytea.
        var type: String
        var notNull: Bool
        /// The default's expression, ``normalized(_:)``.
        var defaultValue: String?
        var description: String { "\(name) \(type)\(notNull ? " NOT NULL" : "")\(defaultValue.map { " DEFAULT \($0)" } ?? "")" }
    }

    struct ForeignKey: Hashable {
        var columns: [String]
        var table: String
        var referencedColumns: [String]
        var onUpdate: String
        var onDelete: String
    }

    struct Index: Hashable {
        var name: String
        var unique: Bool
        var columns: [String]
        /// The partial index's predicate, ``normalized(_:)``; nil for a whole index.
        var predicate: String?
    }

    struct Table: Equatable {
        var columns: [Column] = []
        var primaryKey: [String] = []
        var uniques: Set<[String]> = []
        var foreignKeys: Set<ForeignKey> = []
        var indexes: Set<Index> = []
        /// Every CHECK, ``normalized(_:)``, sorted.
        var checks: [String] = []
    }

    static let sqliteTypes = ["INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea"]

    static func sqliteTables(_ db: Connection) throws -> [String: Table] {
        var tables: [String: Table] = [:]
        #expect(try db.rows("SELECT name FROM sqlite_schema WHERE type IN ('view', 'trigger')").isEmpty)
        for row in try db.rows("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
            let name = row.string(0) ?? ""
            var table = Table()
            var primaryKey: [(position: Int64, name: String)] = []
            for column in try db.rows(#"SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid"#, [name]) {
                let columnName = column.string(0) ?? ""
                let position = column.int64(4) ?? 0
                if position > 0 { primaryKey.append((position, columnName)) }
                let declared = column.string(1) ?? ""
                table.columns.append(
                    Column(
                        name: columnName, type: sqliteTypes[declared] ?? "unmapped \(declared)",
                        // An INTEGER PRIMARY KEY is reported nullable, but a NULL there means "assign one".
                        notNull: column.int64(2) == 1 || position > 0, defaultValue: column.string(3).map(normalized)
                    )
                )
            }
            table.primaryKey = primaryKey.sorted { $0.position < $1.position }.map(\.name)

            var foreignKeys: [Int64: ForeignKey] = [:]
            for key in try db.rows(
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq", [name])
            {
                let id = key.int64(0) ?? 0
                var foreignKey =
                    foreignKeys[id]
                    ?? ForeignKey(
                        columns: [], table: key.string(1) ?? "", referencedColumns: [], onUpdate: key.string(4) ?? "", onDelete: key.string(5) ?? "")
                foreignKey.columns.append(key.string(2) ?? "")
                foreignKey.referencedColumns.append(key.string(3) ?? "(primary key)")
                foreignKeys[id] = foreignKey
            }
            table.foreignKeys = Set(foreignKeys.values)

            for index in try db.rows(#"SELECT name, "unique", origin, partial FROM pragma_index_list(?)"#, [name]) {
                let indexName = index.string(0) ?? ""
                let columns = try db.rows("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [indexName]).map { $0.string(0) ?? "" }
                switch index.string(2) {
                case "pk": continue  // the primary key, from pragma_table_info
                case "u": table.uniques.insert(columns)
                default:
                    let sql = try db.row("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", [indexName])?.string(0) ?? ""
                    let predicate = sql.firstRange(of: /\bWHERE\b/.ignoresCase()).map { normalized(String(sql[$0.upperBound...])) }
                    #expect((predicate != nil) == (index.int64(3) == 1), "\(indexName)'s predicate")
                    table.indexes.insert(Index(name: indexName, unique: index.int64(1) == 1, columns: columns, predicate: predicate))
                }
            }
            table.checks = checkExpressions(in: row.string(1) ?? "").map(normalized).sorted()
            tables[name] = table
        }
        return tables
    }

    /// The oid of the connection's current schema, as SQL.
    static let namespace = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"

    static func postgresTables(_ db: PostgresConnection) throws -> [String: Table] {
        var tables: [String: Table] = [:]
        for row in try db.rows("SELECT relname::text FROM pg_class WHERE relnamespace = \(namespace) AND relkind = 'r'") {
            tables[row.string(0) ?? ""] = Table()
        }
        let columns = try db.rows(
            """
            SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)::text, a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid)::text
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = \(namespace) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum
            """
        )
        for column in columns {
            tables[column.string(0) ?? "", default: Table()].columns.append(
                Column(
                    name: column.string(1) ?? "", type: column.string(2) ?? "", notNull: column.int64(3) == 1,
                    defaultValue: column.string(4).map(normalized)
                )
            )
        }

        let indexes = try db.rows(
            """
            SELECT t.relname::text, i.relname::text, x.indisunique, pg_get_expr(x.indpred, x.indrelid)::text,
                array_to_string(ARRAY(
                    SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k
                ), ','),
                coalesce((SELECT k.contype::text FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                    AND k.contype IN ('p', 'u', 'x')), '')
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relnamespace = \(namespace)
            """
        )
        for index in indexes {
            let table = index.string(0) ?? ""
            let columns = (index.string(4) ?? "").split(separator: ",").map(String.init)
            switch index.string(5) {
            case "p": tables[table, default: Table()].primaryKey = columns
            case "u": tables[table, default: Table()].uniques.insert(columns)
            case "":
                tables[table, default: Table()].indexes.insert(
                    Index(name: index.string(1) ?? "", unique: index.int64(2) == 1, columns: columns, predicate: index.string(3).map(normalized))
                )
            default: Issue.record("index \(index.string(1) ?? "") backs an exclusion constraint")
            }
        }

        let actions = ["a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"]
        let foreignKeys = try db.rows(
            """
            SELECT c.relname::text, f.relname::text,
                array_to_string(ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(number, position)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.number ORDER BY u.position), ','),
                array_to_string(ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS u(number, position)
                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.number ORDER BY u.position), ','),
                k.confupdtype::text, k.confdeltype::text, k.confmatchtype::text, k.condeferrable, f.relnamespace = c.relnamespace
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
            WHERE k.contype = 'f' AND c.relnamespace = \(namespace)
            """
        )
        for key in foreignKeys {
            let name = "\(key.string(0) ?? "") → \(key.string(1) ?? "")"
            // SQLite's foreign keys are MATCH SIMPLE, checked at once (none is DEFERRABLE).
            #expect(key.string(6) == "s" && key.int64(7) == 0 && key.int64(8) == 1, "\(name): simple, immediate, same schema")
            tables[key.string(0) ?? "", default: Table()].foreignKeys.insert(
                ForeignKey(
                    columns: (key.string(2) ?? "").split(separator: ",").map(String.init), table: key.string(1) ?? "",
                    referencedColumns: (key.string(3) ?? "").split(separator: ",").map(String.init),
                    onUpdate: actions[key.string(4) ?? ""] ?? "?", onDelete: actions[key.string(5) ?? ""] ?? "?"
                )
            )
        }

        let checks = try db.rows(
            """
            SELECT c.relname::text, pg_get_constraintdef(k.oid)::text
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE k.contype = 'c' AND c.relnamespace = \(namespace)
            """
        )
        for check in checks {
            let definition = check.string(1) ?? ""
            #expect(definition.hasPrefix("CHECK "), "\(definition)")
            tables[check.string(0) ?? "", default: Table()].checks.append(normalized(String(definition.dropFirst("CHECK".count))))
        }
        for name in tables.keys { tables[name]?.checks.sort() }
        return tables
    }

    // MARK: - Expressions

    /// The bodies of a CREATE TABLE's CHECK constraints, each with its parentheses.
    static func checkExpressions(in createTable: String) -> [String] {
        let text = Array(createTable)
        var expressions: [String] = []
        var index = 0
        var quoted = false
        while index < text.count {
            if text[index] == "'" { quoted.toggle() }
            let isCheck =
                !quoted && index + 5 <= text.count && String(text[index..<(index + 5)]).uppercased() == "CHECK"
                && (index == 0 || !(text[index - 1].isLetter || text[index - 1] == "_"))
            guard isCheck else {
                index += 1
                continue
            }
            var start = index + 5
            while start < text.count, text[start].isWhitespace { start += 1 }
            guard start < text.count, text[start] == "(" else {
                index += 5
                continue
            }
            var end = start
            var depth = 0
            var inLiteral = false
            repeat {
                if text[end] == "'" { inLiteral.toggle() }
                if !inLiteral, text[end] == "(" { depth += 1 }
                if !inLiteral, text[end] == ")" { depth -= 1 }
                end += 1
            } while depth > 0 && end < text.count
            expressions.append(String(text[start..<end]))
            index = end
        }
        return expressions
    }

    /// An expression reduced to a form SQLite's text (as written in the migrations) and
    /// PostgreSQL's (as `pg_get_expr` and `pg_get_constraintdef` print it) share when they mean
    /// the same: see the suite's comment for what this can and cannot tell apart.
    static func normalized(_ expression: String) -> String {
        var text = outsideLiterals(expression) { String($0).lowercased() }
        text.replace(/::[a-z_]+/, with: "")
        text.replace("octet_length(", with: "length(")
        text.replace("<>", with: "!=")
        text.replace(/([a-z_]+)\s*=\s*any\s*\(array\[([^\]]*)\]\)/) { match in alternatives(match.output.1, match.output.2) }
        text.replace(/([a-z_]+)\s+in\s*\(([^()]*)\)/) { match in alternatives(match.output.1, match.output.2) }
        text.replace(/([a-z_]+\([a-z_]+\)|[a-z_]+)\s+between\s+([0-9]+)\s+and\s+([0-9]+)/) { match in
            "\(match.output.1) >= \(match.output.2) and \(match.output.1) <= \(match.output.3)"
        }
        return outsideLiterals(text) { $0 == "(" || $0 == ")" || $0.isWhitespace ? "" : String($0) }
    }

    /// `column = a or column = b …` for a list `a, b …`.
    private static func alternatives(_ column: Substring, _ list: Substring) -> String {
        list.split(separator: ",").map { "\(column) = \($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: " or ")
    }

    /// `text` with `transform` applied to each character outside single-quoted literals.
    private static func outsideLiterals(_ text: String, _ transform: (Character) -> String) -> String {
        var quoted = false
        return text.reduce(into: "") { result, character in
            if character == "'" { quoted.toggle() }
            result += quoted || character == "'" ? String(character) : transform(character)
        }
    }
}
