import TokenVault

/// `tokenvault completion bash|zsh|fish`: prints a shell completion script.
struct CompletionCommand: VaultCommand {
    /// The shells a script can be printed for.
    enum Shell: String, CaseIterable {
        case bash, zsh, fish

        /// The script, made from the commands' option tables.
        var script: String {
            switch self {
            case .bash: BashCompletion.script(CompletionTree())
            case .zsh: ZshCompletion.script(CompletionTree())
            case .fish: FishCompletion.script(CompletionTree())
            }
        }
    }

    /// The help, arguments and exit codes of `completion`.
    static let configuration = CommandConfiguration(
        name: "completion",
        abstract: "Print a shell completion script (bash, zsh or fish)",
        discussion: """
            The script completes the commands (audit verify and audit seal included), each command's
            options, the global options, and the values some options take (files, states, formats).
            Needs no vault or key. Install it where the shell looks for completions, or source it.
            """,
        arguments: [
            Positional(name: "SHELL", help: "bash, zsh or fish", completion: .choices(Shell.allCases.map(\.rawValue)))
        ],
        examples: [
            "tokenvault completion bash > /etc/bash_completion.d/tokenvault",
            "tokenvault completion zsh > \"${fpath[1]}/_tokenvault\"",
            "tokenvault completion fish > ~/.config/fish/completions/tokenvault.fish",
            "source <(tokenvault completion bash)",
        ],
        exitCodes: [.ok("the script was printed"), .usage("an unknown shell")],
        opensVault: false,
        withServer: .ignored
    )

    /// Runs `tokenvault completion`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let name = arguments.positionals[0]
        guard let shell = Shell(rawValue: name) else {
            throw .usage("unknown shell '\(Table.clean(name))': use bash, zsh or fish", command: configuration.name)
        }
        context.io.out(shell.script)
        return .ok
    }
}
