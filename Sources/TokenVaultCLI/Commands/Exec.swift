import TokenVault
internal import TokenVaultSystem

/// `tokenvault exec -- COMMAND`: runs a command with secrets in its environment.
struct ExecCommand: VaultCommand {
    /// The options of `exec`.
    enum Option: String, NeedOptionKeys {
        case env, project, resource, permission

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .env: .repeated("VAR=NAME", "Put credential NAME's secret in environment variable VAR")
            case .project: NeedOptions.project
            case .resource: NeedOptions.resource
            case .permission: NeedOptions.permission
            }
        }
    }

    /// The help, arguments and exit codes of `exec`.
    static let configuration = CommandConfiguration(
        name: "exec",
        abstract: "Run a command with secrets in its environment",
        discussion: """
            Fetches each credential (audited, with the need applying to each), puts its secret in
            the environment variable VAR, and replaces this process with COMMAND. The secrets never
            appear in any argument list. COMMAND is searched in PATH. If one fetch is refused, COMMAND
            is not run. The child gets back the caller's umask, core-file limit and SIGPIPE.

            exec returns the exit status of COMMAND, or 127 when COMMAND cannot be started.
            """,
        passthrough: Positional(name: "COMMAND", help: "The command to run, and its arguments", isVariadic: true, completion: .file),
        examples: ["tokenvault exec --env XENTRAL_TOKEN=erp-prod --project shop-de --permission r -- ./connector --sync"],
        exitCodes: [
            ExitCodeHelp(code: "N", meaning: "the exit status of COMMAND"),
            .code(127, "COMMAND cannot be started"),
            .usage("no -- COMMAND, no --env, a bad or repeated VAR, or a secret with a NUL byte"),
            .code(3, "no such credential"), .code(4, "denied, as for get"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault exec`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard let command = arguments.passthrough, !command.isEmpty else {
            throw .usage("give the command to run after --", command: configuration.name)
        }
        let bindings = try arguments.all(.env).map(parseBinding)
        guard !bindings.isEmpty else { throw .usage("give at least one --env VAR=NAME", command: configuration.name) }
        guard Set(bindings.map(\.variable)).count == bindings.count else {
            throw VaultError(.invalidInput, "an environment variable is bound twice")
        }
        let need = try NeedOptions.need(from: arguments)
        let vault = try context.access()
        var secrets: [(String, Secret)] = []
        for binding in bindings {
            let fetched = try vault.fetchSecret(binding.name, need: need, version: nil, for: .environmentVariable)
            if let warning = fetched.warning { context.io.err("tokenvault: warning: \(warning)\n") }
            secrets.append((binding.variable, fetched.secret))
        }
        for (variable, secret) in secrets {
            secret.withUnsafeBytes { ProcessImage.setEnvironment(variable, to: $0) }
        }
        Hardening.restoreForChild()
        let reason = ProcessImage.replace(with: command)
        for (variable, _) in secrets { ProcessImage.unsetEnvironment(variable) }
        context.io.err("tokenvault: error: cannot run '\(Table.clean(command[0]))': \(reason)\n")
        return ExitStatus(code: 127)
    }

    private static func parseBinding(_ text: String) throws(VaultError) -> (variable: String, name: String) {
        guard let equals = text.firstIndex(of: "="),
            case let variable = String(text[..<equals]),
            let first = variable.unicodeScalars.first,
            first == "_" || (first.isASCII && first.properties.isAlphabetic),
            variable.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) })
        else {
            throw VaultError(.invalidInput, "invalid --env '\(Table.clean(text))': use VAR=NAME, VAR being letters, digits and _")
        }
        return (variable, String(text[text.index(after: equals)...]))
    }
}
