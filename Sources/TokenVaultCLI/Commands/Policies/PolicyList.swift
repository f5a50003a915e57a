import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault policy list`: the issuer policies in force.
struct PolicyListCommand: VaultCommand {
    /// The help, arguments and exit codes of `policy list`.
    static let configuration = CommandConfiguration(
        name: "policy list",
        abstract: "List the issuer policies: each issuer's longest token lifetime, and since when",
        discussion: "A new vault starts with the ERP's rule: xentral, 180 days, since 2026-12-01. Through the service, admins only.",
        examples: ["tokenvault policy list", "tokenvault policy list --json"],
        exitCodes: [.ok("the policies were listed"), .code(6, "a policy's row fails its authentication")],
        withServer: .client
    )

    /// Runs `tokenvault policy list`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let policies = try context.access().issuerPolicies()
        if context.json {
            context.io.out(JSON.array(policies.map(PolicyOutput.json)).rendered() + "\n")
        } else if policies.isEmpty {
            context.io.out("no issuer policies\n")
        } else {
            var table = Table(PolicyOutput.tableHeaders)
            for policy in policies { table.append(PolicyOutput.tableRow(policy)) }
            context.io.out(table.rendered())
        }
        return .ok
    }
}
