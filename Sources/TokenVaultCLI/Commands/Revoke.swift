import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault revoke NAME`: revokes a credential, or one of its versions.
struct RevokeCommand: VaultCommand {
    /// The options of `revoke`.
    enum Option: String, OptionKey {
        case version
        case localOnly = "local-only"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .version: .value("N", "Revoke only this previous or pending version")
            case .localOnly: .flag("Revoke in the vault only: do not run the credential's hook to revoke the token at its issuer")
            }
        }
    }

    /// The help, arguments and exit codes of `revoke`.
    static let configuration = CommandConfiguration(
        name: "revoke",
        abstract: "Revoke a credential, or one of its versions, at once",
        discussion: """
            Without --version the whole credential is revoked: get and verify refuse it from then on.
            With --version N, one previous (grace) or pending version is revoked; the current version
            cannot be revoked alone (revoke the credential, or rotate first).

            A credential with its own hook (add or edit --hook) that speaks hook protocol 2 is revoked
            at its issuer too: the hook's revoke step gets each token the issuer may still accept on
            its standard input. A failed step is reported, stays owed, and is retried by every later
            rotate run (show lists it); --local-only skips the issuer. Revoking a revoked credential
            again runs the revoke steps a --local-only revoke left out.
            """,
        arguments: [.credential],
        examples: ["tokenvault revoke erp-prod", "tokenvault revoke erp-prod --version 3", "tokenvault revoke erp-prod --local-only"],
        exitCodes: [
            .ok("revoked (at the issuer too, when the credential has a protocol-2 hook)"),
            .code(1, "revoked in the vault, but the issuer's revoke step failed (retried by the next rotate run)"),
            .code(3, "no such credential or version"), .usage("N is the current version"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault revoke`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let name = arguments.positionals[0]
        let version = try arguments.versionNumber(.version)
        let atIssuer = !arguments.contains(.localOnly)
        let vault = try context.access()
        let steps: [IssuerStepResult]
        var fields: [(String, JSON)] = [("revoked", .string(name))]
        if let version {
            steps = try vault.revoke(name, version: version, atIssuer: atIssuer)
            fields.append(("version", .int(Int64(version))))
        } else {
            steps = try vault.revoke(name, atIssuer: atIssuer)
        }
        fields.append(("issuer_steps", IssuerStepOutput.json(steps)))
        let subject = version.map { "version \($0) of '\(name)'" } ?? "'\(name)'"
        let closed = steps.filter { $0.outcome == .done }.count
        context.printDone("revoked \(subject)" + (closed > 0 ? "; revoked at the issuer (\(closed) token\(closed == 1 ? "" : "s"))" : ""), fields)
        return context.warnAboutIssuerSteps(steps) ? .warning : .ok
    }
}
