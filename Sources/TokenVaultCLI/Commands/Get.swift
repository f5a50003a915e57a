import TokenVault

/// `tokenvault get NAME`: prints a stored secret for a declared need.
struct GetCommand: VaultCommand {
    /// The options of `get`.
    enum Option: String, NeedOptionKeys {
        case project, resource, permission, version

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .project: NeedOptions.project
            case .resource: NeedOptions.resource
            case .permission: NeedOptions.permission
            case .version: .value("N", "A specific version: the current one, or a previous one within its grace period")
            }
        }
    }

    /// The help, arguments and exit codes of `get`.
    static let configuration = CommandConfiguration(
        name: "get",
        abstract: "Print a credential's secret for a declared need",
        discussion: """
            Prints the current secret on standard output (with a newline only when standard output
            is a terminal), so TOKEN=$(tokenvault get ...) and pipes get the exact bytes. A part of the
            need left out is not checked. Every attempt is audited. A credential that expires within
            7 days prints a warning on standard error. --json does not change the output.
            """,
        arguments: [.credential],
        examples: ["TOKEN=$(tokenvault get erp-prod --project shop-de --resource orders --permission r)"],
        exitCodes: [
            .ok("the secret was printed"), .code(3, "no such credential"),
            .code(4, "denied: revoked, expired, out of scope, an issued credential (use verify), or a --version no longer valid"),
            .code(6, "the stored ciphertext fails its integrity check"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault get`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let need = try NeedOptions.need(from: arguments)
        let version = try arguments.versionNumber(.version)
        let vault = try context.access()
        let fetched = try vault.fetchSecret(arguments.positionals[0], need: need, version: version, for: .any)
        if let warning = fetched.warning { context.io.err("tokenvault: warning: \(warning)\n") }
        fetched.secret.withUnsafeBytes { context.io.writeOut($0) }
        if context.io.standardOutputIsTerminal { context.io.out("\n") }
        return .ok
    }
}
