/// `--help` text in swift-argument-parser's layout, made from the commands' tables.
///
/// `tokenvault --help` lists the commands, the global options and the exit codes once;
/// `tokenvault COMMAND --help` shows the command's own usage, options, examples and exit
/// codes, and points at the overview for the rest.
enum Help {
    /// What TokenVault is, for the overview and the man page.
    static let abstract = """
        TokenVault keeps API tokens encrypted in one SQLite file, scoped, expiring and audited in a
        tamper-evident trail.
        """

    /// The input rules every command shares, one paragraph each.
    static let conventions = [
        "Global options may come before or after the command's name; a command's own options come after it.",
        "A secret is read from standard input (or a no-echo prompt on the terminal), never from an argument.",
        "Durations: 45s, 30m, 12h, 90d, 2w. Dates: ISO 8601 (2027-03-01, 2027-03-01T12:00:00Z).",
        "Permissions: letters of crud. Grants: PROJECT:RESOURCE:crud, * matching any.",
        "With --server SOCKET (or TOKENVAULT_ADDR), get, exec, verify, list, show, expiring, audit, audit seal, add, rotate, revoke, "
            + "rename, delete, the principal and the policy commands go through tokenvault serve, as the principal it recognises, and print "
            + "the same; the commands of the vault file itself refuse.",
    ]

    /// The exit codes every command shares.
    static let exitCodes: [ExitCodeHelp] = [
        .ok("ok"),
        .code(1, "warning (something expiring, a risk or a leak found), or an operation failed for an outside reason: I/O error, a failed hook"),
        .usage("unknown command or option, bad name, duration, date, grant or permission, a name already taken, an empty secret"),
        .code(3, "not found: no vault at the path, no such credential or version"),
        .code(4, "denied: revoked, expired, out of scope, unknown or malformed token"),
        .code(
            5,
            "wrong key or locked vault: wrong key or passphrase, unreadable or too open key (or token) file, no key and no terminal, "
                + "no service at --server"
        ),
        .code(6, "integrity failure: tampering, corruption, or a vault from a newer tokenvault"),
        .code(7, "busy: timed out waiting for another process's lock, or another rotation holds the lease"),
    ]

    /// The two commands whose statuses differ from ``exitCodes``.
    static let exitCodeExceptions = """
        expiring also exits 2 for "critical" (standard error then stays empty); exec returns the status of \
        the command it runs, or 127 when that command cannot be started.
        """

    /// The line a command that opens a vault adds to its own exit codes.
    static let vaultExitCodes = "Like every command that opens a vault, it may also end with 1, 3, 5, 6 or 7."

    /// `tokenvault --help`.
    static func overview() -> String {
        var text = "OVERVIEW: " + abstract + "\n\nUSAGE: tokenvault [global options] <command> [options]\n\nCOMMANDS:\n"
        text += HelpLayout.columns(allCommands.map { ($0.configuration.name, $0.configuration.abstract) })
        text += "\nGLOBAL OPTIONS:\n" + globalOptionList()
        text += "\n" + conventions.map { HelpLayout.wrap($0, width: HelpLayout.width).joined(separator: "\n") + "\n" }.joined()
        text += "\nEXIT CODES:\n" + exitCodeList(exitCodes)
        text += HelpLayout.wrap(exitCodeExceptions, width: HelpLayout.width - 2).map { "  " + $0 + "\n" }.joined()
        text += "\nSee `tokenvault help <command>` for a command's options, or `man tokenvault`.\n"
        return text
    }

    /// `tokenvault COMMAND --help`.
    static func command(_ command: any VaultCommand.Type) -> String {
        let configuration = command.configuration
        var text = "OVERVIEW: \(configuration.abstract)\n"
        if !configuration.discussion.isEmpty { text += "\n" + configuration.discussion + "\n" }
        text += "\nUSAGE: " + HelpLayout.usage(command) + "\n"
        let arguments = configuration.arguments + (configuration.passthrough.map { [$0] } ?? [])
        if !arguments.isEmpty {
            text += "\nARGUMENTS:\n" + HelpLayout.columns(arguments.map { ("<\($0.name)>", $0.help) })
        }
        let help = GlobalOption.declared.filter { $0.name == GlobalOption.help.name }
        text += "\nOPTIONS:\n" + HelpLayout.columns((command.options + help).map { ($0.label, $0.help) })
        if !configuration.examples.isEmpty {
            text += "\nEXAMPLES:\n" + configuration.examples.map { "  \($0)\n" }.joined()
        }
        text += "\nEXIT CODES:\n" + exitCodeList(configuration.exitCodes)
        if configuration.listsVaultExitCodes { text += "  " + vaultExitCodes + "\n" }
        text += "\nGlobal options (--vault, --key-file, --json, ...) and all exit codes: see `tokenvault --help`.\n"
        return text
    }

    /// The global options with their environment variables, and `--version`.
    static func globalOptionList() -> String {
        HelpLayout.columns((GlobalOption.declared + TopLevelOption.declared).map { ($0.label, $0.help) })
    }

    /// `  0  ok` lines, the codes right-aligned.
    static func exitCodeList(_ codes: [ExitCodeHelp]) -> String {
        let width = codes.map(\.code.count).max() ?? 1
        return HelpLayout.columns(
            codes.map { (String(repeating: " ", count: width - $0.code.count) + $0.code, $0.meaning) }
        )
    }
}

extension DeclaredOption {
    /// The option's help, with the environment variable that stands in for a global option.
    var help: String {
        guard let variable = spec.environmentVariable else { return spec.help }
        return spec.help + " (env \(variable))"
    }
}
