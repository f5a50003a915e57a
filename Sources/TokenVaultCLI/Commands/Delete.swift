import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault delete NAME --yes`: deletes a credential for good.
struct DeleteCommand: VaultCommand {
    /// The options of `delete`.
    enum Option: String, OptionKey {
        case yes
        case localOnly = "local-only"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .yes: .flag("Confirm that the secret is to be destroyed (required)")
            case .localOnly: .flag("Delete without running the credential's hook to revoke its tokens at the issuer")
            }
        }
    }

    /// The help, arguments and exit codes of `delete`.
    static let configuration = CommandConfiguration(
        name: "delete",
        abstract: "Delete a credential for good (crypto-shred; the audit trail keeps a tombstone)",
        discussion: """
            Destroys every secret version (SQLite secure_delete, then a WAL checkpoint), frees the
            name, and keeps the credential's id and name history for the audit trail. There is no
            undo: --yes is required.

            A credential with its own hook that speaks hook protocol 2 is first revoked, at its issuer
            too (as revoke does), and deleted only when every revoke step succeeded: otherwise it
            stays, revoked in the vault, so that the next rotate run can retry the step with its
            secret. --local-only deletes it without the issuer.
            """,
        arguments: [.credential],
        examples: ["tokenvault delete erp-old --yes", "tokenvault delete erp-old --yes --local-only"],
        exitCodes: [
            .ok("deleted"), .code(1, "the issuer's revoke step failed: revoked in the vault, not deleted"), .usage("no --yes"),
            .code(3, "no such credential"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault delete`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard arguments.contains(.yes) else {
            throw VaultError(.invalidInput, "delete destroys the secret for good; add --yes to confirm")
        }
        let vault = try context.access()
        let report = try vault.delete(arguments.positionals[0], atIssuer: !arguments.contains(.localOnly))
        if !report.walTruncated {
            context.io.err("tokenvault: warning: another process kept the WAL open; the next checkpoint will finish shredding\n")
        }
        context.printDone(
            "deleted '\(arguments.positionals[0])'",
            [("deleted", .string(arguments.positionals[0])), ("issuer_steps", IssuerStepOutput.json(report.issuerSteps))]
        )
        return .ok
    }
}
