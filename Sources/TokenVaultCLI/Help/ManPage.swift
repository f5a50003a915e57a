/// The man page `tokenvault.1`, in roff, made from the same tables as `--help`.
///
/// ```sh
/// tokenvault man > /usr/local/share/man/man1/tokenvault.1
/// ```
enum ManPage {
    /// The whole page.
    static func render() -> String {
        var page = [
            ".TH TOKENVAULT 1 \"\" \"tokenvault \(CLI.version)\" \"TokenVault Manual\"",
            ".SH NAME",
            "tokenvault \\- " + Roff.escape("keep API tokens encrypted, scoped, expiring and audited"),
            ".SH SYNOPSIS",
            Roff.bold("tokenvault") + " [" + Roff.italic("global options") + "] " + Roff.italic("command")
                + " [" + Roff.italic("options") + "] [" + Roff.italic("arguments") + "]",
            ".SH DESCRIPTION",
            Roff.paragraphs(Help.abstract),
        ]
        page += Help.conventions.flatMap { [".PP", Roff.line($0)] }
        page += [".SH COMMANDS"]
        page += allCommands.flatMap(command)
        page += [".SH GLOBAL OPTIONS"]
        page += (GlobalOption.declared + TopLevelOption.declared).flatMap(option)
        page += [".SH ENVIRONMENT"] + environment()
        page += [".SH EXIT STATUS"] + exitStatus()
        page += [".SH FILES"] + files()
        page += [".SH EXAMPLES"] + examples()
        return page.joined(separator: "\n") + "\n"
    }

    /// One command's section: usage, abstract, discussion, arguments, options, exit codes.
    private static func command(_ command: any VaultCommand.Type) -> [String] {
        let configuration = command.configuration
        var lines = [".SS " + Roff.escape(configuration.name), ".nf", Roff.line(HelpLayout.usage(command, firstLineIndent: 0)), ".fi"]
        lines += [".PP", Roff.line(configuration.abstract + ".")]
        if !configuration.discussion.isEmpty { lines += [".PP", Roff.paragraphs(configuration.discussion)] }
        let arguments = configuration.arguments + (configuration.passthrough.map { [$0] } ?? [])
        lines += arguments.flatMap { [".TP", Roff.italic($0.name), Roff.line($0.help)] }
        lines += command.options.flatMap(option)
        lines += [".PP", "Exit status:"] + exitCodes(configuration.exitCodes)
        if configuration.listsVaultExitCodes { lines += [".PP", Roff.line(Help.vaultExitCodes)] }
        return lines
    }

    /// `.TP` with the option's spellings in bold and its value in italics, then its help.
    private static func option(_ option: DeclaredOption) -> [String] {
        var label = option.spellings.map(Roff.bold).joined(separator: ", ")
        if option.spec.takesValue { label += " " + Roff.italic(option.spec.valueName) }
        if option.spec.kind == .repeated { label += " (repeatable)" }
        return [".TP", label, Roff.line(option.help)]
    }

    private static func exitCodes(_ codes: [ExitCodeHelp]) -> [String] {
        codes.flatMap { [".TP", ".B " + Roff.escape($0.code), Roff.line($0.meaning)] }
    }

    private static func environment() -> [String] {
        let variables =
            GlobalOption.declared.compactMap { option in
                option.spec.environmentVariable.map { ($0, "Stands in for --\(option.name) when it is not given: \(option.spec.help).") }
            } + [
                ("XDG_DATA_HOME", "The default vault is $XDG_DATA_HOME/tokenvault/vault.db."),
                ("HOME", "Without XDG_DATA_HOME, the default vault is $HOME/.local/share/tokenvault/vault.db."),
            ]
        return variables.flatMap { [".TP", ".B " + $0.0, Roff.line($0.1)] }
            + [".PP", Roff.line("A variable that is set but empty counts as unset.")]
    }

    private static func exitStatus() -> [String] {
        exitCodes(Help.exitCodes) + [".PP", Roff.line(Help.exitCodeExceptions)]
    }

    private static func files() -> [String] {
        [
            ".TP", Roff.italic("$XDG_DATA_HOME/tokenvault/vault.db"), Roff.line("The default vault (mode 0600)."),
            ".TP", Roff.italic("~/.local/share/tokenvault/vault.db"), Roff.line("The default vault without XDG_DATA_HOME."),
            ".TP", Roff.italic("VAULT-wal") + ", " + Roff.italic("VAULT-shm"),
            Roff.line("SQLite's write-ahead log and shared memory, next to the vault; like the vault, readable by its owner only."),
        ]
    }

    private static func examples() -> [String] {
        allCommands.flatMap { command in
            command.configuration.examples.flatMap { [".PP", ".EX", Roff.line($0), ".EE"] }
        }
    }
}
