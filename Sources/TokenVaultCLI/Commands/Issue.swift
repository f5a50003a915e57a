import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault issue NAME`: mints a vault-owned token and prints it once.
struct IssueCommand: VaultCommand {
    /// The help, arguments and exit codes of `issue`.
    static let configuration = CommandConfiguration(
        name: "issue",
        abstract: "Mint a new vault-owned token and print it once",
        discussion: """
            Mints tvk_ + 256 random bits + a checksum, stores only a keyed hash of it, and prints it
            once on standard output (with --json, as "token" in the document). Takes the options of
            add, but issued tokens expire within 180 days (default 90 days): --legacy and
            --never-expires are refused.
            """,
        arguments: [.credential],
        examples: ["tokenvault issue billing-svc --grant billing:invoices:r --expires-in 30d > token.txt"],
        exitCodes: [.ok("the token was printed"), .usage("bad options, a taken name, or an expiry past 180 days")]
    )

    /// Runs `tokenvault issue`.
    static func run(_ arguments: Arguments<CredentialOption>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let new = try CredentialOptions.newCredential(
            name: arguments.positionals[0], from: arguments, defaultExpiry: .after(seconds: 90 * 86_400)
        )
        let vault = try context.openVault()
        let (credential, token) = try vault.issue(new)
        let now = vault.configuration.clock.now
        var fields: [(String, JSON)] = []
        if case .object(let info) = CredentialOutput.json(credential, now: now) { fields = info }
        context.printShownOnce(
            token, fields: [("credential", .object(fields))],
            note: "issued '\(credential.name)' (\(credential.id)), expires \(CredentialOutput.expiry(credential, now: now))"
        )
        return .ok
    }
}
