import TokenVault
import TokenVaultJSON

/// `tokenvault backup PATH`: a consistent, verified copy of the vault in one file.
struct BackupCommand: VaultCommand {
    /// The help, arguments and exit codes of `backup`.
    static let configuration = CommandConfiguration(
        name: "backup",
        abstract: "Write a consistent copy of the vault to a new file, and verify it",
        discussion: """
            Copies the vault from one snapshot while other processes go on, into one new file (mode
            0600) that holds what the vault's -wal file holds too (a plain cp of vault.db alone
            misses it) and no deleted data. The copy is then opened with the vault's key and its
            audit trail and state verified, as audit verify does; a copy that does not verify is
            removed. Restore by copying it back in place of vault.db (its -wal and -shm removed)
            while no process uses the vault. A vault in PostgreSQL is backed up the same way into a
            vault file (every row copied from one read snapshot, verified before it commits);
            restore it with migrate-to into an empty schema. Audited as backup.
            """,
        arguments: [Positional(name: "PATH", help: "The new file (nothing may exist there)")],
        examples: ["tokenvault backup /backup/tokenvault-$(date +%F).db"],
        exitCodes: [
            .ok("the copy was written and verified"), .usage("something exists at PATH, or PATH is a URL"), .code(1, "the copy could not be written"),
            .code(6, "the copy does not verify (it was removed)"),
        ]
    )

    /// Runs `tokenvault backup`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let report = try context.openVault().backup(to: arguments.positionals[0])
        context.printDone(
            "backed up to \(report.path): \(report.eventsChecked) events and \(report.credentialsChecked) credentials verified",
            [
                ("path", .string(report.path)), ("events_checked", .int(report.eventsChecked)),
                ("credentials_checked", .int(report.credentialsChecked)),
            ]
        )
        return .ok
    }
}
