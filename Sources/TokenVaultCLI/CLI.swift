import TokenVault
internal import TokenVaultSystem

/// The `tokenvault` command line: parses arguments, runs one command, prints errors as one
/// line on standard error, and returns the documented exit status.
///
/// ```swift
/// let io = CapturedIO(input: Array("secret\n".utf8))
/// let status = CLI.run(["add", "erp", "--legacy", "--vault", path, "--key-file", key], io: io)
/// ```
public enum CLI {
    /// The version printed by `tokenvault --version`.
    public static let version = "0.1.0"

    /// Runs the process's command line and exits. Hardens the process first.
    public static func main() -> Never {
        Hardening.apply()
        let status = run(Array(CommandLine.arguments.dropFirst()), io: StandardIO())
        ProcessImage.exit(status.code)
    }

    /// Runs one command line.
    public static func run(_ arguments: [String], io: any CommandIO) -> ExitStatus {
        do {
            return try dispatch(arguments, io: io)
        } catch {
            return report(error, io: io)
        }
    }

    /// Prints `error` as one line (and its hint) on standard error; returns its kind's status.
    private static func report(_ error: VaultError, io: any CommandIO) -> ExitStatus {
        io.err("tokenvault: error: \(Table.clean(error.message))\n")
        if let hint = error.hint { io.err("hint: \(Table.clean(hint))\n") }
        return ExitStatus(error.kind)
    }

    private static func dispatch(_ arguments: [String], io: any CommandIO) throws(VaultError) -> ExitStatus {
        switch try CommandFinder.find(in: arguments) {
        case .none:
            if arguments.contains("--" + TopLevelOption.version.name) {
                io.out("tokenvault \(version)\n")
                return .ok
            }
            if arguments.contains("--" + GlobalOption.help.name) || arguments.contains("-h") {
                io.out(Help.overview())
                return .ok
            }
            // No command: the overview goes to standard error, and the exit status says usage error.
            io.err(Help.overview())
            return .usage
        case .help(let topic):
            guard let topic else {
                io.out(Help.overview())
                return .ok
            }
            io.out(Help.command(topic))
            return .ok
        case .command(let command, let range):
            var rest = arguments
            rest.removeSubrange(range)
            guard let failure = command.configuration.failureStatus else { return try command.execute(rest, io: io) }
            // A monitor's command: whatever went wrong, one status that means "could not tell".
            do {
                return try command.execute(rest, io: io)
            } catch {
                _ = report(error, io: io)
                return failure
            }
        }
    }
}

/// Finds the command's words in a command line, past the global options before them.
enum CommandFinder {
    /// What a command line asks for.
    enum Found {
        /// No command word.
        case none
        /// `tokenvault help [COMMAND]`.
        case help((any VaultCommand.Type)?)
        /// A command, and where its words are.
        case command(any VaultCommand.Type, Range<Int>)
    }

    /// The command in `arguments`, skipping global options (and their values) before it.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an unknown command or an option before
    ///   the command that is not global, with the nearest known one as a suggestion.
    static func find(in arguments: [String]) throws(VaultError) -> Found {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return .none }
            if argument.hasPrefix("-") {
                index += try globalOptionWidth(argument)
                continue
            }
            if argument == "help" { return .help(try topic(Array(arguments[(index + 1)...]))) }
            if index + 1 < arguments.count, let sub = command(named: "\(argument) \(arguments[index + 1])") {
                return .command(sub, index..<(index + 2))
            }
            guard let command = command(named: argument) else { throw unknownCommand(argument) }
            return .command(command, index..<(index + 1))
        }
        return .none
    }

    /// The command `help` was asked about: nil for the overview.
    private static func topic(_ words: [String]) throws(VaultError) -> (any VaultCommand.Type)? {
        guard let first = words.first else { return nil }
        guard let match = command(named: words.joined(separator: " ")) ?? command(named: first) else {
            throw unknownCommand(words.joined(separator: " "))
        }
        return match
    }

    /// How many words a global option before the command takes: 2 for `--vault PATH`, 1 for
    /// `--vault=PATH`, `--json`, `-h` or `--version`.
    private static func globalOptionWidth(_ argument: String) throws(VaultError) -> Int {
        let name = String(argument.drop { $0 == "-" }.prefix { $0 != "=" })
        guard let option = GlobalOption.named(name) else {
            if argument == "-h" || argument == "--" + TopLevelOption.version.name { return 1 }
            let message = CommandLineParser<TopLevelOption>.unknownOption(
                String(argument.prefix { $0 != "=" }), known: GlobalOption.declared + TopLevelOption.declared
            )
            throw VaultError(.invalidInput, message, hint: "see `tokenvault --help`")
        }
        return option.spec.takesValue && !argument.contains("=") ? 2 : 1
    }

    private static func command(named name: String) -> (any VaultCommand.Type)? {
        allCommands.first { $0.configuration.name == name }
    }

    /// "unknown command 'rotat'; did you mean 'rotate'?"
    private static func unknownCommand(_ word: String) -> VaultError {
        var message = "unknown command '\(Table.clean(word))'"
        let names = allCommands.map { $0.configuration.name } + ["help"]
        if let near = Suggestion.nearest(to: word, among: names) { message += "; did you mean '\(near)'?" }
        return VaultError(.invalidInput, message, hint: "see `tokenvault --help`")
    }
}
