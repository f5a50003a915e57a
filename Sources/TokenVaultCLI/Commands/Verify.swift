import TokenVault
internal import TokenVaultSystem
import TokenVaultWire

/// `tokenvault verify`: checks a presented token against a need.
struct VerifyCommand: VaultCommand {
    /// The help, arguments and exit codes of `verify`.
    static let configuration = CommandConfiguration(
        name: "verify",
        abstract: "Check a presented token (on standard input) against a need",
        discussion: """
            Reads a token minted by issue (standard input, or a no-echo prompt) and prints its owner
            when it is valid for the need: its current version, or a previous one within its grace
            period. Every refusal prints the same line, whatever its cause, and every attempt is
            audited.
            """,
        examples: ["printf %s \"$TOKEN\" | tokenvault verify --project billing --permission r"],
        exitCodes: [.ok("the token is valid for the need"), .code(4, "the token is not valid (for whatever reason)")],
        withServer: .client
    )

    /// Runs `tokenvault verify`.
    static func run(_ arguments: Arguments<NeedOption>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let need = try NeedOptions.need(from: arguments)
        let vault = try context.access()
        let token = try context.readSecret(prompt: "Token: ")
        let credential = try vault.verify(token, need: need)
        if context.json {
            context.io.out(CredentialOutput.json(credential, now: vault.now).rendered() + "\n")
        } else {
            context.io.out("valid: '\(DisplayText.clean(credential.name))' (\(credential.id))\n")
        }
        return .ok
    }
}
