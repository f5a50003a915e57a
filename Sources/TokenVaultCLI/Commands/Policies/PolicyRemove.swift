import TokenVault
import TokenVaultJSON

/// `tokenvault policy remove ISSUER`: removes an issuer's policy.
struct PolicyRemoveCommand: VaultCommand {
    /// The help, arguments and exit codes of `policy remove`.
    static let configuration = CommandConfiguration(
        name: "policy remove",
        abstract: "Remove an issuer's policy: its tokens are no longer bound by it",
        discussion: "Audited (policy-remove); through the service, admins only.",
        arguments: [Positional(name: "ISSUER", help: "The issuer (any case)")],
        examples: ["tokenvault policy remove github"],
        exitCodes: [.ok("the policy was removed"), .code(3, "the issuer has no policy"), .usage("a bad issuer")],
        withServer: .client
    )

    /// Runs `tokenvault policy remove`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let issuer = arguments.positionals[0]
        try context.access().removeIssuerPolicy(issuer)
        let key = IssuerPolicy.key(of: issuer)
        context.printDone("removed the policy of issuer '\(key)'", [("removed", .string(key))])
        return .ok
    }
}
