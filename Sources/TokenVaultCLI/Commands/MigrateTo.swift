import TokenVault
internal import TokenVaultSystem

/// `tokenvault migrate-to TARGET`: the vault copied, verified, to PostgreSQL or a new file.
struct MigrateToCommand: VaultCommand {
    /// The help, arguments and exit codes of `migrate-to`.
    static let configuration = CommandConfiguration(
        name: "migrate-to",
        abstract: "Move the vault to PostgreSQL (or a new file), keeping its trail and seals",
        discussion: """
            Copies every row of the vault — ids, sequence numbers, hashes, MACs and wrapped keys as
            they are — into TARGET: a postgresql:// URI (no password in it) whose schema holds
            nothing, or a path where nothing exists. The copy is made under the vault's write lock
            (writers wait), after a migrate event naming TARGET is appended, so both trails end with
            it. Before the target's transaction commits, the copy's keys, row counts, audit trail and
            state are verified as audit verify does; a copy that does not verify is not committed, and
            the vault is left as it was. The copy opens with the same key, and seals of the vault
            verify on it. Progress on standard error when it is a terminal. Afterwards, stop every process that uses the old vault and point them at
            TARGET; keep the old vault as an archive.
            """,
        arguments: [Positional(name: "TARGET", help: "A postgresql:// URI with an empty schema, or a new vault file's path")],
        examples: [
            "tokenvault migrate-to 'postgresql:///vaults?host=/run/postgresql&options=-csearch_path%3Dtokenvault'",
            "tokenvault --vault 'postgresql:///vaults?host=/run/postgresql' migrate-to /backup/vault.db",
        ],
        exitCodes: [
            .ok("the vault was copied and the copy verified"),
            .usage("TARGET exists or holds tables, is not a valid location, or holds a password"),
            .code(5, "the key is wrong or cannot be read, or PostgreSQL refuses the login"),
            .code(6, "the vault was altered: the copy does not verify (nothing was committed)"),
            .code(7, "the PostgreSQL server cannot be reached, or another process holds the vault's write lock"),
        ]
    )

    /// Runs `tokenvault migrate-to`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let showProgress = ProcessImage.isTerminal(2) && !context.json
        let report = try context.openVault().migrate(to: arguments.positionals[0]) { rows in
            if showProgress { context.io.err("\rcopied \(rows) rows") }
        }
        if showProgress { context.io.err("\r\u{1B}[K") }
        context.printDone(
            """
            copied to \(report.target): \(report.eventsChecked) events and \(report.credentialsChecked) credentials verified; \
            stop every process that uses the old vault and point them at the new one
            """,
            [
                ("target", .string(report.target)), ("events_checked", .int(report.eventsChecked)),
                ("credentials_checked", .int(report.credentialsChecked)),
                ("rows_copied", .int(report.rowsCopied)),
            ]
        )
        return .ok
    }
}
