/// `--help` text in swift-argument-parser's layout, with the exit codes added.
enum Help {
    static func overview() -> String {
        var text = """
            OVERVIEW: TokenVault keeps API tokens encrypted in one SQLite file, scoped, expiring
            and audited in a tamper-evident trail.

            USAGE: tokenvault [global options] <command> [options]

            COMMANDS:

            """
        let width = (allCommands.map { $0.configuration.name.count }.max() ?? 0) + 2
        for command in allCommands {
            let name = command.configuration.name
            text += "  " + name + String(repeating: " ", count: width - name.count) + command.configuration.abstract + "\n"
        }
        text += "\nGLOBAL OPTIONS:\n" + options(globalOptions)
        text += "\nA secret is read from standard input (or a no-echo prompt), never from an argument.\n"
        text += "Durations: 30m, 12h, 90d, 2w. Dates: ISO 8601 (2027-03-01, 2027-03-01T12:00:00Z).\n"
        text += "See `tokenvault help <command>` for details.\n\n"
        text += ExitStatus.helpText + "\n"
        return text
    }

    static func command(_ configuration: CommandConfiguration) -> String {
        var text = "OVERVIEW: \(configuration.abstract)\n\nUSAGE: tokenvault \(configuration.usage)\n"
        if !configuration.discussion.isEmpty { text += "\n" + configuration.discussion + "\n" }
        if !configuration.options.isEmpty { text += "\nOPTIONS:\n" + options(configuration.options) }
        text += "\nGLOBAL OPTIONS:\n" + options(globalOptions)
        if !configuration.examples.isEmpty {
            text += "\nEXAMPLES:\n" + configuration.examples.map { "  \($0)\n" }.joined()
        }
        text += "\n" + ExitStatus.helpText + "\n"
        return text
    }

    private static func options(_ specs: [OptionSpec]) -> String {
        let labels = specs.map { spec in spec.arity == .flag ? "--\(spec.name)" : "--\(spec.name) <\(spec.valueName)>" }
        let width = (labels.map(\.count).max() ?? 0) + 2
        return zip(labels, specs).map { label, spec in
            "  " + label + String(repeating: " ", count: width - label.count) + spec.help
                + (spec.arity == .repeated ? " (repeatable)" : "") + "\n"
        }.joined()
    }
}
