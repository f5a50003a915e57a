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

    /// Runs `sql`, an `INSERT … RETURNING id`, and returns the id of the row it inserted: one
    /// text for SQLite (3.35 and later) and PostgreSQL, where SQLite alone has a last insert rowid.
    static func insertedID(_ db: Connection, _ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
        // Stepped to its end, so the statement has finished when this returns.
        guard let id = try db.rows(sql, arguments).first?.int64(0) else {
            throw StoreError(code: .error, message: "an insert returned no id")
        }
        return id
    }

    // SQLite: the schema table; elsewhere, `information_schema.tables`.
    private static let tablesSQL = "SELECT name FROM sqlite_schema WHERE type = 'table'"

    /// The names of the tables of the database `db` is connected to (a read).
    static func tableNames(_ db: Connection) throws -> Set<String> {
        Set(try db.rows(tablesSQL).compactMap { $0.string(0) })
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

    // SQLite: the schema table; elsewhere, the catalog (information_schema, pg_catalog).
    private static let objectsSQL = "SELECT type || ' ' || name FROM sqlite_schema"

    /// The objects in the file that the migrations did not create, sorted.
    static func unexpected(_ db: Connection) throws -> [String] {
        try db.rows(objectsSQL).compactMap { $0.string(0) }.filter { !expected.contains($0) }.sorted()
    }
}
