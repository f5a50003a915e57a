import TokenVault
internal import TokenVaultSystem

struct AddCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "add",
        abstract: "Store a token issued by another system (secret on standard input)",
        usage: """
            add NAME [--project P] [--resource R] [--permissions crud] [--grant P:R:crud]...
                           [--expires DATE | --expires-in 90d | --never-expires] [--legacy]
                           [--issuer xentral] [--api-url URL] [--description TEXT]
            """,
        discussion: """
            The token is read from standard input, or from a no-echo prompt on a terminal; never
            from an argument. NAME is 1-50 characters and unique. A scoped token needs at least one
            grant and an expiry choice; --legacy marks an old unlimited token (*:*:crud, no expiry).
            """,
        options: CredentialOptions.specs,
        positionals: 1...1,
        examples: [
            "tokenvault add erp-prod --grant shop-de:orders:cr --expires-in 180d --issuer xentral < token.txt",
            "tokenvault add erp-legacy --legacy --issuer xentral --api-url https://erp.example.com/api",
        ]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let new = try CredentialOptions.newCredential(name: arguments.positionals[0], from: arguments)
        // Refuse a bad name or label before anyone is asked to paste a token.
        try new.validate()
        let vault = try context.openVault()
        let secret = try context.readSecret(prompt: "Token for '\(new.name)': ")
        let credential = try vault.add(new, secret: secret)
        let now = vault.configuration.clock.now
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

struct IssueCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "issue",
        abstract: "Mint a new vault-owned token and print it once",
        usage: "issue NAME [--grant P:R:crud]... [--expires DATE | --expires-in 90d] [--description TEXT]",
        discussion: """
            Mints tvk_ + 256 random bits + a checksum, stores only a keyed hash of it, and prints it
            once on standard output. Issued tokens expire within 180 days (default 90 days).
            """,
        options: CredentialOptions.specs,
        positionals: 1...1,
        examples: ["tokenvault issue billing-svc --grant billing:invoices:r --expires-in 30d"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let new = try CredentialOptions.newCredential(
            name: arguments.positionals[0], from: arguments, defaultExpiry: .after(seconds: 90 * 86_400)
        )
        let vault = try context.openVault()
        let (credential, token) = try vault.issue(new)
        let now = vault.configuration.clock.now
        if context.json {
            var fields: [(String, JSON)] = []
            if case .object(let info) = CredentialOutput.json(credential, now: now) { fields = info }
            context.io.out("{\"token\":\"")
            token.withUnsafeBytes { context.io.writeOut($0) }
            context.io.out("\",\"credential\":" + JSON.object(fields).rendered() + "}\n")
        } else {
            token.withUnsafeBytes { context.io.writeOut($0) }
            context.io.out("\n")
            context.io.err(
                "issued '\(credential.name)' (\(credential.id)), expires \(CredentialOutput.expiry(credential, now: now)); "
                    + "this token is shown once\n"
            )
        }
        return .ok
    }
}

struct VerifyCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "verify",
        abstract: "Check a presented token (on standard input) against a need",
        usage: "verify [--project P] [--resource R] [--permission r]",
        discussion: "Exit 0 and the owner's name when the token is valid for the need; exit 4 otherwise.",
        options: NeedOptions.specs,
        examples: ["printf %s \"$TOKEN\" | tokenvault verify --project billing --permission r"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let need = try NeedOptions.need(from: arguments)
        let vault = try context.openVault()
        let token = try context.readSecret(prompt: "Token: ")
        let credential = try vault.verify(token, need: need)
        if context.json {
            context.io.out(CredentialOutput.json(credential, now: vault.configuration.clock.now).rendered() + "\n")
        } else {
            context.io.out("valid: '\(DisplayText.clean(credential.name))' (\(credential.id))\n")
        }
        return .ok
    }
}
