import TokenVault
import TokenVaultWire

/// `tokenvault list`: lists credentials, never their secrets.
struct ListCommand: VaultCommand {
    /// The options of `list`.
    enum Option: String, OptionKey {
        case state, issuer
        case expiringWithin = "expiring-within"
        case project, resource

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .state: .value("STATE", "Only active, expired or revoked credentials", completion: .choices(["active", "expired", "revoked"]))
            case .issuer: .value("NAME", "Only credentials from this issuer")
            case .expiringWithin: .value("DURATION", "Only credentials that expire within DURATION (expired included)")
            case .project: .value("P", "Only credentials whose scope covers project P")
            case .resource: .value("R", "Only credentials whose scope covers resource R")
            }
        }
    }

    /// The help, arguments and exit codes of `list`.
    static let configuration = CommandConfiguration(
        name: "list",
        abstract: "List credentials (never their secrets)",
        discussion: """
            Lists live credentials by name: state, expiry, scope, issuer, last use and flags (legacy,
            unlimited, never-expires). Written while the credentials are read, in constant memory; a
            table's columns are sized by its first 1,000 rows. Not audited.
            """,
        examples: ["tokenvault list --expiring-within 30d", "tokenvault list --state revoked --json"],
        exitCodes: [.ok("the credentials were listed"), .usage("a bad state or duration")],
        withServer: .client
    )

    /// Runs `tokenvault list`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var filter = CredentialFilter(issuer: arguments[.issuer], project: arguments[.project], resource: arguments[.resource])
        if let state = arguments[.state] {
            guard let parsed = CredentialState(rawValue: state) else {
                throw VaultError(.invalidInput, "invalid state '\(Table.clean(state))': use active, expired or revoked")
            }
            filter.state = parsed
        }
        if let within = arguments[.expiringWithin] { filter.expiringWithin = try TimeFormat.parseDuration(within) }
        let vault = try context.access()
        let now = vault.now
        // Streamed: a vault of a million credentials lists in constant memory.
        let output = BufferedOutput(context.io)
        if context.json {
            var first = true
            output.write("[")
            try vault.forEachCredential(filter) { credential in
                output.write((first ? "" : ",") + CredentialOutput.json(credential, now: now).rendered())
                first = false
            }
            output.write("]\n")
        } else {
            var table = StreamingTable(["NAME", "STATE", "EXPIRES", "SCOPE", "ISSUER", "LAST USED", "FLAGS"], output)
            try vault.forEachCredential(filter) { credential in
                table.append([
                    credential.name, credential.state(at: now).rawValue, CredentialOutput.expiry(credential, now: now),
                    CredentialOutput.scope(credential), credential.issuer ?? "-",
                    credential.lastUsedAt.map(TimeFormat.iso8601) ?? "never", CredentialOutput.flags(credential),
                ])
            }
            table.finish()
        }
        output.flush()
        return .ok
    }
}
