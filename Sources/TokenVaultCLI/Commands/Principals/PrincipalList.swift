import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault principal list`: lists the service's principals.
struct PrincipalListCommand: VaultCommand {
    /// The help, arguments and exit codes of `principal list`.
    static let configuration = CommandConfiguration(
        name: "principal list",
        abstract: "List the service's principals and what they may fetch",
        discussion: "Each principal's name, how it is recognised (never a token, only its id), admin flag and allow list.",
        examples: ["tokenvault principal list", "tokenvault principal list --json"],
        exitCodes: [.ok("the principals were listed"), .code(6, "a principal's row fails its authentication")],
        withServer: .client
    )

    /// Runs `tokenvault principal list`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let principals = try context.access().principals()
        if context.json {
            context.io.out(JSON.array(principals.map(PrincipalOutput.json)).rendered() + "\n")
        } else {
            var table = Table(PrincipalOutput.tableHeaders)
            for principal in principals { table.append(PrincipalOutput.tableRow(principal)) }
            context.io.out(table.rendered())
        }
        return .ok
    }
}

/// `tokenvault principal show NAME`: one principal.
struct PrincipalShowCommand: VaultCommand {
    /// The help, arguments and exit codes of `principal show`.
    static let configuration = CommandConfiguration(
        name: "principal show",
        abstract: "Show one principal",
        arguments: [Positional(name: "NAME", help: "The principal's name")],
        examples: ["tokenvault principal show procuros --json"],
        exitCodes: [.ok("the principal was shown"), .code(3, "no such principal"), .code(6, "its row fails its authentication")],
        withServer: .client
    )

    /// Runs `tokenvault principal show`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let principal = try context.access().principal(named: arguments.positionals[0])
        if context.json {
            context.io.out(PrincipalOutput.json(principal).rendered() + "\n")
        } else {
            let row = PrincipalOutput.tableRow(principal)
            let lines = zip(PrincipalOutput.tableHeaders, row).map { "\($0.lowercased()): \($1)" } + ["id: \(principal.id)"]
            context.io.out(Table.clean(lines.joined(separator: "\n")) + "\n")
        }
        return .ok
    }
}
