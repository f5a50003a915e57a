internal import TokenVaultStore

/// What a PostgreSQL schema holds, as far as a vault is concerned: checked before a vault is
/// created in it (it must hold nothing) or opened from it (it must hold a vault's tables).
struct PostgresVaultCatalog {
    /// The connection's current schema (the first existing one on its `search_path`).
    let schema: String
    /// The relations (tables, indexes, sequences, views…) in it.
    let relations: Set<String>

    /// Reads the current schema's relations through `db`.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when the `search_path` names no existing schema;
    ///   the store's errors.
    static func read(_ db: Connection) throws -> PostgresVaultCatalog {
        guard let schema = try db.row("SELECT current_schema()::text")?.string(0) else {
            throw VaultError(
                .invalidInput, "the PostgreSQL connection has no schema to keep a vault in: its search_path names none that exists",
                hint: "create the schema, or name one with options=-csearch_path%3DNAME in the URI"
            )
        }
        let names = try db.rows(
            """
            SELECT c.relname::text FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema()
            """
        )
        return PostgresVaultCatalog(schema: schema, relations: Set(names.compactMap { $0.string(0) }))
    }

    /// Whether the schema holds a vault's tables.
    var holdsVault: Bool { relations.contains("vault_meta") && relations.contains("schema_migrations") }

    /// Refuses a schema a vault cannot be created in (not empty) or opened from (no vault).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` to create where anything exists (the schema is
    ///   left untouched); ``VaultError/Kind/notFound`` to open an empty schema;
    ///   ``VaultError/Kind/integrity`` to open a schema with another application's tables.
    func require(creating: Bool) throws(VaultError) {
        let name = printable(schema)
        if creating {
            guard relations.isEmpty else {
                throw VaultError(
                    .invalidInput,
                    "schema '\(name)' of that database already holds tables (a vault or another application's): refused, left untouched",
                    hint: "give the vault a schema of its own with options=-csearch_path%3DNAME in the URI"
                )
            }
        } else if relations.isEmpty {
            throw VaultError(.notFound, "no vault in schema '\(name)' of that database", hint: "create one with `tokenvault init`")
        } else if !holdsVault {
            throw VaultError(.integrity, "schema '\(name)' of that database holds another application's tables, not a TokenVault vault")
        }
    }
}
