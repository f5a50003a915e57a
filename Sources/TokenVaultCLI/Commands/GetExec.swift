internal import Glibc
import TokenVault

struct GetCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "get",
        abstract: "Print a credential's secret for a declared need",
        usage: "get NAME [--project P] [--resource R] [--permission r] [--version N]",
        discussion: """
            Prints the current secret on standard output (with a newline only when standard output
            is a terminal). Refused with exit 4 when the credential is revoked, expired or does not
            cover the need, exit 3 when it does not exist; every attempt is audited. A credential
            that expires within 7 days prints a warning on standard error. --version N returns a
            previous version still in its grace period (after a rotation).
            """,
        options: NeedOptions.specs + [.value("version", "N", "A specific version: current, or previous within its grace period")],
        positionals: 1...1,
        examples: ["TOKEN=$(tokenvault get erp-prod --project shop-de --resource orders --permission r)"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let need = try NeedOptions.need(from: arguments)
        let version = try arguments.versionNumber()
        let vault = try context.openVault()
        let fetched = try vault.fetch(arguments.positionals[0], need: need, version: version)
        if let warning = fetched.warning { context.io.err("tokenvault: warning: \(warning)\n") }
        fetched.secret.withUnsafeBytes { context.io.writeOut($0) }
        if context.io.standardOutputIsTerminal { context.io.out("\n") }
        return .ok
    }
}

struct ExecCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "exec",
        abstract: "Run a command with secrets in its environment",
        usage: "exec --env VAR=NAME [--env ...] [--project P] [--resource R] [--permission r] -- COMMAND [ARGS...]",
        discussion: """
            Fetches each credential (audited, with the need applying to each), puts its secret in
            the environment variable VAR, and replaces this process with COMMAND. The secrets never
            appear in any argument list. If COMMAND cannot be started, exits 127.
            """,
        options: [.repeated("env", "VAR=NAME", "Put credential NAME's secret in variable VAR")] + NeedOptions.specs,
        examples: ["tokenvault exec --env XENTRAL_TOKEN=erp-prod -- ./connector --sync"],
        allowsPassthrough: true
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard let command = arguments.passthrough, !command.isEmpty else {
            throw ParsedArguments.usageError("give the command to run after --", command: "exec")
        }
        let bindings = try arguments.values("env").map(parseBinding)
        guard !bindings.isEmpty else { throw ParsedArguments.usageError("give at least one --env VAR=NAME", command: "exec") }
        guard Set(bindings.map(\.variable)).count == bindings.count else {
            throw VaultError(.invalidInput, "an environment variable is bound twice")
        }
        let need = try NeedOptions.need(from: arguments)
        let vault = try context.openVault()
        var secrets: [(String, Secret)] = []
        for binding in bindings {
            let fetched = try vault.fetch(binding.name, need: need, for: .environmentVariable)
            if let warning = fetched.warning { context.io.err("tokenvault: warning: \(warning)\n") }
            secrets.append((binding.variable, fetched.secret))
        }
        for (variable, secret) in secrets { setEnvironment(variable, to: secret) }
        let argv = command.map { strdup($0) } + [nil]
        Hardening.restoreForChild()
        execvp(command[0], argv)
        let reason = String(cString: strerror(errno))
        for pointer in argv { free(pointer) }
        for (variable, _) in secrets { unsetenv(variable) }
        context.io.err("tokenvault: error: cannot run '\(Table.clean(command[0]))': \(reason)\n")
        return ExitStatus(code: 127)
    }

    /// Sets `variable` to the secret's exact bytes (an environment value is a byte string, not
    /// UTF-8 text), through a NUL-terminated copy that is wiped afterwards. setenv copies it into
    /// libc's environment, which execvp hands to the new program.
    private static func setEnvironment(_ variable: String, to secret: Secret) {
        secret.withUnsafeBytes { raw in
            let value = UnsafeMutableRawBufferPointer.allocate(byteCount: raw.count + 1, alignment: 1)
            defer {
                explicit_bzero(value.baseAddress!, value.count)
                value.deallocate()
            }
            value.copyMemory(from: raw)
            value[raw.count] = 0
            setenv(variable, value.baseAddress!.assumingMemoryBound(to: CChar.self), 1)
        }
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
