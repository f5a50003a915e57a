import TokenVault

/// `tokenvault rotate-data-key`: re-encrypts every secret under a new data key.
struct RotateDataKeyCommand: VaultCommand {
    /// The help, arguments and exit codes of `rotate-data-key`.
    static let configuration = CommandConfiguration(
        name: "rotate-data-key",
        abstract: "Make a new data key, re-encrypt every secret under it, destroy the old one",
        discussion: """
            One transaction: either every secret version (current, previous, pending and revoked) is
            re-encrypted and the old key destroyed, or nothing changes. Then the WAL is checkpointed,
            so no copy of the old wrapped key remains in it.
            """,
        examples: ["tokenvault rotate-data-key"],
        exitCodes: [
            .ok("every secret was re-encrypted"),
            .code(6, "a stored secret or wrapped key fails its integrity check (nothing changed)"),
            .code(5, "another process rekeyed the vault after this one unlocked it (nothing changed)"),
        ]
    )

    /// Runs `tokenvault rotate-data-key`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let count = try vault.rotateDataKey()
        context.printDone("re-encrypted \(count) secret versions under a new data key", [("reencrypted", .int(Int64(count)))])
        return .ok
    }
}
