import TokenVault
import TokenVaultWire

/// `tokenvault add NAME`: stores a token issued by another system.
struct AddCommand: VaultCommand {
    /// The help, arguments and exit codes of `add`.
    static let configuration = CommandConfiguration(
        name: "add",
        abstract: "Store a token issued by another system (secret on standard input)",
        discussion: """
            The token is read from standard input, or from a no-echo prompt on a terminal; never
            from an argument. NAME is 1-50 characters and unique. A scoped token needs at least one
            grant (--grant, or --project/--resource/--permissions) and exactly one of --expires,
            --expires-in and --never-expires; --legacy marks an old unlimited token (*:*:crud, no
            expiry) and takes none of them. The name and labels are checked before the token is
            asked for.
            """,
        arguments: [.credential],
        examples: [
            "tokenvault add erp-prod --grant shop-de:orders:cr --expires-in 180d --issuer xentral < token.txt",
            "tokenvault add erp-legacy --legacy --issuer xentral --api-url https://erp.example.com/api",
        ],
        exitCodes: [
            .ok("the token was stored"),
            .usage("bad options, a bad or taken name, an expiry in the past, an empty or oversized secret"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault add`.
    static func run(_ arguments: Arguments<CredentialOption>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let new = try CredentialOptions.newCredential(name: arguments.positionals[0], from: arguments)
        // Refuse a bad name or label before anyone is asked to paste a token.
        try new.validate()
        let vault = try context.access()
        let secret = try context.readSecret(prompt: "Token for '\(new.name)': ")
        let credential = try vault.add(new, secret: secret)
        let now = vault.now
        if context.json {
            context.io.out(CredentialOutput.json(credential, now: now).rendered() + "\n")
        } else {
            context.io.out("added '\(credential.name)' (\(credential.id)), expires \(CredentialOutput.expiry(credential, now: now))\n")
        }
        if credential.neverExpires {
            context.io.err("tokenvault: warning: '\(credential.name)' never expires; it will be flagged on every report\n")
        }
        return .ok
    }
}
