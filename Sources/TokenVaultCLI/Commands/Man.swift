import TokenVault

/// `tokenvault man`: prints the man page `tokenvault.1`.
struct ManCommand: VaultCommand {
    /// The help, arguments and exit codes of `man`.
    static let configuration = CommandConfiguration(
        name: "man",
        abstract: "Print the man page, tokenvault.1 (roff)",
        discussion: """
            The page describes every command with its options, the global options, the environment,
            the exit statuses and the files, from the same tables as --help. Needs no vault or key.
            """,
        examples: [
            "tokenvault man > /usr/local/share/man/man1/tokenvault.1",
            "tokenvault man | man -l -",
        ],
        exitCodes: [.ok("the page was printed")],
        opensVault: false,
        withServer: .ignored
    )

    /// Runs `tokenvault man`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        context.io.out(ManPage.render())
        return .ok
    }
}
