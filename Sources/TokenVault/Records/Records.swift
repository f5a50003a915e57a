internal import TokenVaultStore

/// The vault's tables, one record type each: the only place in the library where SQL is written.
///
/// Each table type owns its table's columns, statements and small typed operations, in the manner
/// of GRDB's records: ``CredentialTable``, ``GrantTable``, ``SecretVersionTable``,
/// ``NameHistoryTable``, ``KeyTable``, ``VaultMetaTable``, ``RotationLeaseTable``,
/// ``SealKeyTable`` and ``AuditEventTable``. ``CredentialRecords`` reads credentials with their
/// grants and checks them; the `Stored…` types decode rows. Statements are `static let` strings,
/// built once: a connection's statement cache is keyed by the SQL text.
///
/// The domain code calls these types and writes no SQL, with one exception:
///
/// - `Audit/AuditQuery.swift` composes the `audit` command's query from its filters (a condition
///   per filter, a `UNION ALL` arm per holder of a name). Its fragments only make sense together,
///   and split between two files they would be harder to follow than in the builder.
///
/// What is specific to SQLite is marked `// SQLite:`, with what another engine would use.
enum Records {
    /// The schema that added the columns of the rotation loop with the issuer (a credential's
    /// hook; what the issuer said about a version, and the step it still owes).
    static let issuerLoopSchema = 8

    /// Checkpoints the write-ahead log into the file and truncates it: no page image (a deleted
    /// ciphertext, an old wrapped key) is left in the `-wal` file. False when another process
    /// kept reading past the busy timeout.
    static func foldWriteAheadLog(_ db: Connection) -> Bool {
        // SQLite: `PRAGMA wal_checkpoint(TRUNCATE)`; a server engine has no WAL file beside the
        // vault to clean, and this becomes a no-op.
        db.checkpointAndTruncateWAL()
    }

    /// `sql` without SQLite's index hints (`INDEXED BY name`, `NOT INDEXED`), for PostgreSQL,
    /// whose planner takes none. For statements run once per check, not per fetch.
    static func withoutIndexHints(_ sql: String) -> String {
        var words = sql.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < words.count {
            if words[index] == "INDEXED" && index + 2 < words.count && words[index + 1] == "BY" {
                words.removeSubrange(index...(index + 2))
            } else if words[index] == "NOT" && index + 1 < words.count && words[index + 1] == "INDEXED" {
                words.removeSubrange(index...(index + 1))
            } else {
                index += 1
            }
        }
        return words.joined(separator: " ")
    }

    /// Runs `sql`, an `INSERT … RETURNING id`, and returns the id of the row it inserted: one
    /// text for SQLite (3.35 and later) and PostgreSQL, where SQLite alone has a last insert rowid.
    static func insertedID(_ db: Connection, _ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
        // Stepped to its end, so the statement has finished when this returns.
        guard let id = try db.rows(sql, arguments).first?.int64(0) else {
            throw StoreError(code: .error, message: "an insert returned no id")
        }
        return id
    }

    /// Whether `header`, a file's first 100 bytes, is that of an SQLite database in WAL mode, as
    /// every vault is (its connections switch the file to WAL as they open it).
    static func isWALDatabaseHeader(_ header: [UInt8]) -> Bool {
        // SQLite: the database header (a 16-byte magic; bytes 18 and 19, the write and read
        // versions, are 2 in WAL mode). A server engine has no file to look at.
        header.count == 100 && header.starts(with: Array("SQLite format 3\0".utf8)) && header[18] == 2 && header[19] == 2
    }
}

/// The objects the migrations create, and nothing else: a vault whose file holds another (a
/// trigger or a view planted by someone without the key, an extra index) is refused at open.
enum SchemaObjects {
    /// `type name` of every object of a vault at the latest schema.
    static let expected: Set<String> = [
        "table vault_meta", "table keys", "table credentials", "table name_history", "table grants", "table secret_versions",
        "table audit_events", "table rotation_leases", "table seal_keys", "table schema_migrations",
        "index keys_one_active", "index credentials_expiry", "index secret_versions_one_current",
        "index secret_versions_fingerprint", "index audit_events_credential", "index audit_events_at",
        "index name_history_name", "index audit_events_unknown_name", "index audit_events_state", "index audit_events_naming",
        "index sqlite_autoindex_credentials_1", "index sqlite_autoindex_credentials_2", "index sqlite_autoindex_grants_1",
        "index sqlite_autoindex_name_history_1", "index sqlite_autoindex_secret_versions_1",
        "table principals", "index principals_match", "index principals_match_text", "index sqlite_autoindex_principals_1",
        "index sqlite_autoindex_principals_2",
        "index sqlite_autoindex_principals_3",
        "index secret_versions_owed", "table issuer_policies", "index sqlite_autoindex_issuer_policies_1",
        "index audit_events_refused", "index audit_events_seals",
    ]

    /// The objects of the vault's database that the migrations did not create, sorted.
    static func unexpected(_ db: Connection) throws -> [String] {
        switch db.engine {
        case .sqlite:
            try db.rows(objectsSQL).compactMap { $0.string(0) }.filter { !expected.contains($0) }.sorted()
        case .postgresql:
            try db.rows(postgresObjectsSQL).compactMap { $0.string(0) }.filter { !postgresExpected.contains($0) }.sorted()
        }
    }

    // SQLite: the schema table.
    private static let objectsSQL = "SELECT type || ' ' || name FROM sqlite_schema"

    /// Every object of a PostgreSQL vault at the latest schema, with each index's definition:
    /// PostgreSQL's own indexes cannot disagree with their tables, but the schema's owner can
    /// replace one with another of the same name and another predicate, which reads would then
    /// trust. Read from a vault made by the baseline (`pg_get_indexdef` of PostgreSQL 15).
    static let postgresExpected = Set(
        """
        index audit_events_at: CREATE INDEX audit_events_at ON audit_events USING btree (at)
        index audit_events_credential: CREATE INDEX audit_events_credential ON audit_events USING btree (credential_uid, seq)
        index audit_events_naming: CREATE INDEX audit_events_naming ON audit_events USING btree (credential_name, credential_uid) WHERE ((credential_uid IS NOT NULL) AND (outcome = 'ok'::text) AND ((action = 'add'::text) OR (action = 'issue'::text) OR (action = 'rename'::text)))
        index audit_events_pkey: CREATE UNIQUE INDEX audit_events_pkey ON audit_events USING btree (seq)
        index audit_events_refused: CREATE INDEX audit_events_refused ON audit_events USING btree (at) WHERE (outcome <> 'ok'::text)
        index audit_events_seals: CREATE INDEX audit_events_seals ON audit_events USING btree (seq) WHERE (action = 'seal'::text)
        index audit_events_state: CREATE INDEX audit_events_state ON audit_events USING btree (credential_uid, seq) WHERE (changes_state = 1)
        index audit_events_unknown_name: CREATE INDEX audit_events_unknown_name ON audit_events USING btree (credential_name, seq) WHERE (credential_uid IS NULL)
        index credentials_expiry: CREATE INDEX credentials_expiry ON credentials USING btree (expires_at) WHERE (deleted_at IS NULL)
        index credentials_name_key: CREATE UNIQUE INDEX credentials_name_key ON credentials USING btree (name)
        index credentials_pkey: CREATE UNIQUE INDEX credentials_pkey ON credentials USING btree (id)
        index credentials_uid_key: CREATE UNIQUE INDEX credentials_uid_key ON credentials USING btree (uid)
        index grants_pkey: CREATE UNIQUE INDEX grants_pkey ON grants USING btree (credential_id, project, resource)
        index issuer_policies_pkey: CREATE UNIQUE INDEX issuer_policies_pkey ON issuer_policies USING btree (issuer)
        index keys_one_active: CREATE UNIQUE INDEX keys_one_active ON keys USING btree (purpose) WHERE (state = 'active'::text)
        index keys_pkey: CREATE UNIQUE INDEX keys_pkey ON keys USING btree (id)
        index name_history_name: CREATE INDEX name_history_name ON name_history USING btree (name)
        index name_history_pkey: CREATE UNIQUE INDEX name_history_pkey ON name_history USING btree (credential_id, named_at, name)
        index name_history_rowid_key: CREATE UNIQUE INDEX name_history_rowid_key ON name_history USING btree (rowid)
        index principals_match: CREATE UNIQUE INDEX principals_match ON principals USING btree (match_kind, match_id) WHERE (match_id IS NOT NULL)
        index principals_match_text: CREATE UNIQUE INDEX principals_match_text ON principals USING btree (match_kind, match_text) WHERE (match_text IS NOT NULL)
        index principals_name_key: CREATE UNIQUE INDEX principals_name_key ON principals USING btree (name)
        index principals_pkey: CREATE UNIQUE INDEX principals_pkey ON principals USING btree (id)
        index principals_token_hash_key: CREATE UNIQUE INDEX principals_token_hash_key ON principals USING btree (token_hash)
        index principals_uid_key: CREATE UNIQUE INDEX principals_uid_key ON principals USING btree (uid)
        index rotation_leases_pkey: CREATE UNIQUE INDEX rotation_leases_pkey ON rotation_leases USING btree (credential_id)
        index schema_migrations_pkey: CREATE UNIQUE INDEX schema_migrations_pkey ON schema_migrations USING btree (version)
        index seal_keys_pkey: CREATE UNIQUE INDEX seal_keys_pkey ON seal_keys USING btree (id)
        index secret_versions_fingerprint: CREATE INDEX secret_versions_fingerprint ON secret_versions USING btree (fingerprint)
        index secret_versions_one_current: CREATE UNIQUE INDEX secret_versions_one_current ON secret_versions USING btree (credential_id) WHERE (state = 'current'::text)
        index secret_versions_owed: CREATE INDEX secret_versions_owed ON secret_versions USING btree (credential_id) WHERE (owed_step IS NOT NULL)
        index secret_versions_pkey: CREATE UNIQUE INDEX secret_versions_pkey ON secret_versions USING btree (credential_id, version)
        index vault_meta_pkey: CREATE UNIQUE INDEX vault_meta_pkey ON vault_meta USING btree (singleton)
        sequence credentials_id_seq
        sequence name_history_rowid_seq
        sequence principals_id_seq
        table audit_events
        table credentials
        table grants
        table issuer_policies
        table keys
        table name_history
        table principals
        table rotation_leases
        table schema_migrations
        table seal_keys
        table secret_versions
        table vault_meta
        """.split(separator: "\n").map(String.init)
    )

    /// The current schema's objects: relations (indexes with their definitions, unqualified),
    /// and whatever else could change what a statement does there: triggers, rules, row-security
    /// policies, functions, types. The schema's relations are read once (`pg_class` has no index
    /// on the namespace alone) and the other catalogs joined to them by their indexed keys: in a
    /// database of many schemas, 14 ms instead of 35 ms at 23,000 relations.
    private static let postgresObjectsSQL = """
        WITH s AS (SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname = current_schema()),
            r AS (SELECT c.oid, c.relname, c.relkind, c.relrowsecurity FROM pg_catalog.pg_class c JOIN s ON c.relnamespace = s.oid)
        SELECT CASE r.relkind WHEN 'i' THEN 'index ' || r.relname || ': ' || replace(pg_catalog.pg_get_indexdef(r.oid), ' ON ' || quote_ident(s.nspname) || '.', ' ON ')
            WHEN 'r' THEN 'table ' || r.relname || CASE WHEN r.relrowsecurity THEN ' with row security' ELSE '' END
            WHEN 'S' THEN 'sequence ' || r.relname ELSE 'relation ' || r.relkind::text || ' ' || r.relname END
        FROM r CROSS JOIN s
        UNION ALL SELECT 'trigger ' || t.tgname FROM pg_catalog.pg_trigger t JOIN r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
        UNION ALL SELECT 'rule ' || x.rulename FROM pg_catalog.pg_rewrite x JOIN r ON r.oid = x.ev_class
        UNION ALL SELECT 'policy ' || p.polname FROM pg_catalog.pg_policy p JOIN r ON r.oid = p.polrelid
        UNION ALL SELECT 'function ' || f.proname FROM pg_catalog.pg_proc f JOIN s ON s.oid = f.pronamespace
        UNION ALL SELECT 'type ' || y.typname FROM pg_catalog.pg_type y JOIN s ON s.oid = y.typnamespace WHERE y.typtype IN ('d', 'e', 'r', 'm')
        """
}
