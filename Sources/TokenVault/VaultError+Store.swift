internal import TokenVaultStore

extension VaultError {
    init(store error: StoreError) {
        if let postgres = error.postgres {
            self.init(postgres: postgres)
            return
        }
        let code = error.code
        if code.isBusy {
            self.init(.busy, "the vault is busy: another process held its lock past the busy timeout", hint: "retry later")
        } else if code.isCorruption {
            self.init(.integrity, "the vault file is corrupted or is not a TokenVault vault")
        } else if code == .error {
            // TokenVault's SQL is fixed: an SQL error means the schema is not the one the
            // migrations made (a damaged schema page, or an edited file).
            self.init(.integrity, "the vault's schema is damaged or was altered (\(error.message))")
        } else if code ~= .full {
            self.init(.failed, "the disk is full")
        } else if code ~= .readOnly || code ~= .permission || code ~= .cantOpen {
            self.init(.failed, "cannot write the vault file (read-only or permission denied)")
        } else if code == .syncError {
            // What was written before the failed sync may be in the file all the same (and a
            // later reader then finds the commit): whole or not at all, never half.
            self.init(
                .failed, "I/O error while syncing the vault file: the operation may have been applied all the same",
                hint: "check with `tokenvault show` or `tokenvault audit` before you repeat it"
            )
        } else if code ~= .ioError {
            self.init(.failed, "I/O error on the vault file")
        } else {
            self.init(.failed, "database error: \(error.message)")
        }
    }
}

extension VaultError {
    /// The kind and a message for a PostgreSQL failure; like ``PostgresError`` itself, never
    /// anything the server or libpq said.
    init(postgres error: PostgresError) {
        switch error.kind {
        case .invalidLocation:
            self.init(
                .invalidInput, "the vault is not a valid PostgreSQL connection URI", hint: "for example postgresql:///vaults?host=/run/postgresql")
        case .passwordInLocation:
            self.init(
                .invalidInput, "the PostgreSQL URI carries a password: refused, as a command line is readable by every local user",
                hint: "use a PGPASSFILE (mode 0600) or a client certificate (sslcert, sslkey) instead"
            )
        case .libraryMissing:
            self.init(.failed, "\(error)", hint: "install it (Debian: apt-get install libpq5)")
        case .unreachable, .connectionLost:
            self.init(.unavailable, "\(error)", hint: "retry later")
        case .refused:
            self.init(.locked, "\(error)", hint: "check the role, and its PGPASSFILE or client certificate")
        case .databaseMissing:
            self.init(.notFound, "\(error)", hint: "create it first (createdb)")
        case .unsupportedServer:
            self.init(.failed, "\(error)")
        case .unsupportedType:
            self.init(.integrity, "the vault's schema in PostgreSQL was altered: \(error)")
        case .statementFailed:
            self.init(statementFailure: error)
        }
    }

    /// A refused statement by its SQLSTATE class: TokenVault's SQL is fixed, so a syntax or
    /// undefined-object error (class 42) means an altered schema.
    private init(statementFailure error: PostgresError) {
        let state = error.sqlState ?? ""
        switch state.prefix(2) {
        case "40", "55": self.init(.busy, "the vault is busy: another writer held its lock past the time-out", hint: "retry later")
        case "08", "57": self.init(.unavailable, "\(error)", hint: "retry later")
        case "42": self.init(.integrity, "the vault's schema in PostgreSQL is damaged or was altered (SQLSTATE \(state))")
        case "53": self.init(.failed, "the PostgreSQL server is out of resources (SQLSTATE \(state)): disk, memory or connections")
        // TokenVault never writes such text itself; a vault file copied in may hold it.
        case "22" where state == "22021" || state == "22P05":
            self.init(
                .invalidInput, "PostgreSQL cannot store text with a NUL byte or invalid UTF-8 (SQLSTATE \(state)); nothing was written",
                hint: "run `tokenvault audit verify` on the vault the text comes from"
            )
        default: self.init(.failed, "\(error)")
        }
    }
}
