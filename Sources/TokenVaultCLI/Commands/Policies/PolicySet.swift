import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault policy set ISSUER --max-lifetime D [--since DATE]`: sets an issuer's policy.
struct PolicySetCommand: VaultCommand {
    /// The options of `policy set`.
    enum Option: String, OptionKey {
        case maxLifetime = "max-lifetime"
        case since

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .maxLifetime: .value("DURATION", "The longest lifetime the issuer allows its tokens (required), as 180d")
            case .since: .value("DATE", "Bind only tokens created or rotated on or after DATE (default: every token)")
            }
        }
    }

    /// The help, arguments and exit codes of `policy set`.
    static let configuration = CommandConfiguration(
        name: "policy set",
        abstract: "Set an issuer's policy: the longest lifetime of its non-legacy tokens",
        discussion: """
            From then on add, issue, edit (a new expiry or issuer) and rotate refuse a token of ISSUER
            created or rotated on or after --since whose expiry is further than --max-lifetime from its
            creation, or that never expires (exit 2, naming the policy). Legacy tokens are exempt.
            Tokens already stored stay as they are; report and expiring flag those over the policy.
            Issuers are matched without regard to case (stored in lower case). Setting a policy again
            replaces it. Audited (policy-set); through the service, admins only.
            """,
        arguments: [Positional(name: "ISSUER", help: "The issuer, as credentials' --issuer names it (at most 50 characters)")],
        examples: [
            "tokenvault policy set xentral --max-lifetime 180d --since 2026-12-01",
            "tokenvault policy set github --max-lifetime 90d",
        ],
        exitCodes: [.ok("the policy was set"), .usage("no --max-lifetime, a bad duration, date or issuer")],
        withServer: .client
    )

    /// Runs `tokenvault policy set`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard let lifetime = arguments[.maxLifetime] else {
            throw VaultError(.invalidInput, "give the longest lifetime with --max-lifetime, as 180d")
        }
        let seconds = try TimeFormat.parseDuration(lifetime)
        let since = try arguments[.since].map { text throws(VaultError) in try TimeFormat.parseDate(text) } ?? 0
        let policy = try context.access().setIssuerPolicy(arguments.positionals[0], maxLifetime: seconds, since: since)
        context.printDone("set: \(policy)", [("policy", PolicyOutput.json(policy))])
        return .ok
    }
}
