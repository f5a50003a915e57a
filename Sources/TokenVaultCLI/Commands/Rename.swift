import TokenVault

/// `tokenvault rename OLD NEW`: renames a credential.
struct RenameCommand: VaultCommand {
    /// The help, arguments and exit codes of `rename`.
    static let configuration = CommandConfiguration(
        name: "rename",
        abstract: "Rename a credential (its id and audit history stay)",
        discussion: """
            The id stays; the old name stays in the credential's name history, audit --name OLD still
            finds its events, and the old name becomes free.
            """,
        arguments: [
            Positional(name: "OLD", help: "The credential's current name"), Positional(name: "NEW", help: "Its new name"),
        ],
        examples: ["tokenvault rename erp-prod erp-prod-de"],
        exitCodes: [
            .ok("the credential was renamed"), .code(3, "no credential OLD"), .usage("NEW invalid, taken, or equal to OLD"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault rename`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.access()
        try vault.rename(arguments.positionals[0], to: arguments.positionals[1])
        context.printDone("renamed '\(arguments.positionals[0])' to '\(arguments.positionals[1])'", [("renamed", .string(arguments.positionals[1]))])
        return .ok
    }
}
