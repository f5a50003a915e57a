import TokenVault

/// One `tokenvault` command: its help, its option table, and what it does.
///
/// ```swift
/// struct RevokeCommand: VaultCommand {
///     enum Option: String, OptionKey {
///         case version
///         var spec: OptionSpec { .value("N", "Revoke only this version") }
///     }
///
///     static let configuration = CommandConfiguration(name: "revoke", abstract: "Revoke a credential", arguments: [.credential])
///
///     static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
///         let version = try arguments.versionNumber(.version)
///         …
///     }
/// }
/// ```
protocol VaultCommand: Sendable {
    /// The command's option table; ``NoOptions`` when it has none.
    associatedtype Option: OptionKey

    /// Its name, help and positional arguments.
    static var configuration: CommandConfiguration { get }

    /// Runs the command on a parsed command line whose positional count has been checked.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus
}

extension VaultCommand {
    /// The command's options, in the order its table declares them.
    static var options: [DeclaredOption] { Option.declared }

    /// Parses `words` (the command line without the command's own words), prints help for
    /// `--help`, checks the number of positional arguments, and runs the command.
    static func execute(_ words: [String], io: any CommandIO) throws(VaultError) -> ExitStatus {
        let configuration = Self.configuration
        let parser = CommandLineParser<Option>(
            command: configuration.name, allowsPassthrough: configuration.passthrough != nil
        )
        let arguments = try parser.parse(words)
        if arguments.global.contains(.help) {
            io.out(Help.command(Self.self))
            return .ok
        }
        let expected = configuration.positionalCount
        guard expected.contains(arguments.positionals.count) else {
            let count = expected.lowerBound == expected.upperBound ? "\(expected.lowerBound)" : "\(expected.lowerBound) to \(expected.upperBound)"
            throw .usage(
                "'\(configuration.name)' takes \(count) argument\(expected.upperBound == 1 ? "" : "s"), got \(arguments.positionals.count)",
                command: configuration.name
            )
        }
        let context = CommandContext(io: io, global: arguments.global, commandName: configuration.name)
        // A command that works on the vault file is refused before it reads anything.
        if configuration.withServer == .refused && context.serverAddress != nil { throw context.needsVaultFile() }
        return try run(arguments, context)
    }
}

/// Every command, in the order `--help` and the man page list them.
let allCommands: [any VaultCommand.Type] = [
    KeygenCommand.self, InitCommand.self, AddCommand.self, ImportCommand.self, IssueCommand.self, VerifyCommand.self, GetCommand.self,
    ExecCommand.self, ListCommand.self, ShowCommand.self, EditCommand.self, RenameCommand.self, RotateCommand.self, RevokeCommand.self,
    ExpiringCommand.self, TestCommand.self, DeleteCommand.self, AuditCommand.self, AuditVerifyCommand.self,
    AuditSealCommand.self, ReportCommand.self, ScanCommand.self, CheckEndpointCommand.self, RekeyCommand.self,
    RotateDataKeyCommand.self, BackupCommand.self, MigrateToCommand.self, PrincipalAddCommand.self, PrincipalListCommand.self,
    PrincipalShowCommand.self, PrincipalRemoveCommand.self, PrincipalRenameCommand.self, PrincipalRotateTokenCommand.self,
    PolicySetCommand.self, PolicyListCommand.self, PolicyRemoveCommand.self, ServeCommand.self, CompletionCommand.self, ManCommand.self,
]
