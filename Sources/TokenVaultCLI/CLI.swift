internal import Glibc
import TokenVault

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
        exit(status.code)
    }

    /// Runs one command line.
    public static func run(_ arguments: [String], io: any CommandIO) -> ExitStatus {
        do {
            return try dispatch(arguments, io: io)
        } catch {
            io.err("tokenvault: error: \(Table.clean(error.message))\n")
            if let hint = error.hint { io.err("hint: \(Table.clean(hint))\n") }
            return ExitStatus(error.kind)
        }
    }

    private static func dispatch(_ arguments: [String], io: any CommandIO) throws(VaultError) -> ExitStatus {
        guard let (command, words, commandIndex) = try findCommand(arguments) else {
            if arguments.contains("--version") {
                io.out("tokenvault \(version)\n")
                return .ok
            }
            if arguments.contains("--help") || arguments.contains("-h") {
                io.out(Help.overview())
                return .ok
            }
            // No command: the overview goes to standard error, and the exit status says usage error.
            io.err(Help.overview())
            return .usage
        }
        if command == nil {
            // `tokenvault help [COMMAND…]`
            let topic = Array(arguments[(commandIndex + 1)...])
            if topic.isEmpty {
                io.out(Help.overview())
                return .ok
            }
            guard let match = allCommands.first(where: { $0.configuration.name == topic.joined(separator: " ") })
                ?? allCommands.first(where: { $0.configuration.name == topic[0] })
            else { throw VaultError(.invalidInput, "unknown command '\(topic.joined(separator: " "))'", hint: "see `tokenvault --help`") }
            io.out(Help.command(match.configuration))
            return .ok
        }
        let type = command!
        let configuration = type.configuration
        var rest = arguments
        rest.removeSubrange(commandIndex..<(commandIndex + words))
        let parsed = try ParsedArguments.parse(
            rest, specs: globalOptions + configuration.options, command: configuration.name,
            allowPassthrough: configuration.allowsPassthrough
        )
        if parsed.flag("help") {
            io.out(Help.command(configuration))
            return .ok
        }
        guard configuration.positionals.contains(parsed.positionals.count) else {
            let expected = configuration.positionals
            let what = expected.lowerBound == expected.upperBound ? "\(expected.lowerBound)" : "\(expected.lowerBound) to \(expected.upperBound)"
            throw ParsedArguments.usageError(
                "'\(configuration.name)' takes \(what) argument\(expected.upperBound == 1 ? "" : "s"), got \(parsed.positionals.count)",
                command: configuration.name
            )
        }
        let context = CommandContext(io: io, global: parsed, commandName: configuration.name)
        return try type.run(parsed, context)
    }

    /// Finds the command's words, skipping global options (and their values) before it.
    /// Returns nil when there is no command word; a nil type for `help`.
    private static func findCommand(
        _ arguments: [String]
    ) throws(VaultError) -> (command: (any VaultCommand.Type)?, words: Int, index: Int)? {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return nil }
            if argument.hasPrefix("-") {
                let name = String(argument.drop { $0 == "-" }.prefix { $0 != "=" })
                guard let spec = globalOptions.first(where: { $0.name == name }) else {
                    if argument == "-h" || argument == "--version" {
                        index += 1
                        continue
                    }
                    throw VaultError(.invalidInput, "unknown option '\(Table.clean(argument))'", hint: "see `tokenvault --help`")
                }
                if spec.arity != .flag, !argument.contains("=") { index += 1 }
                index += 1
                continue
            }
            if argument == "help" { return (nil, 1, index) }
            let next = index + 1 < arguments.count ? arguments[index + 1] : ""
            if let sub = allCommands.first(where: { $0.configuration.name == "\(argument) \(next)" }) {
                return (sub, 2, index)
            }
            guard let command = allCommands.first(where: { $0.configuration.name == argument }) else {
                throw VaultError(.invalidInput, "unknown command '\(Table.clean(argument))'", hint: "see `tokenvault --help`")
            }
            return (command, 1, index)
        }
        return nil
    }
}
