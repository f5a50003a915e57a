import TokenVault

/// `tokenvault revoke NAME`: revokes a credential, or one of its versions.
struct RevokeCommand: VaultCommand {
    /// The options of `revoke`.
    enum Option: String, OptionKey {
        case version

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .version: .value("N", "Revoke only this previous or pending version")
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
            cannot be revoked alone (revoke the credential, or rotate first). Revoking twice changes
            nothing.
            """,
        arguments: [.credential],
        examples: ["tokenvault revoke erp-prod", "tokenvault revoke erp-prod --version 3"],
        exitCodes: [.ok("revoked"), .code(3, "no such credential or version"), .usage("N is the current version")],
        withServer: .client
    )

    /// Runs `tokenvault revoke`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let name = arguments.positionals[0]
        let version = try arguments.versionNumber(.version)
        let vault = try context.access()
        if let version {
            try vault.revoke(name, version: version)
            context.printDone("revoked version \(version) of '\(name)'", [("revoked", .string(name)), ("version", .int(Int64(version)))])
        } else {
            try vault.revoke(name)
            context.printDone("revoked '\(name)'", [("revoked", .string(name))])
        }
        return .ok
    }
}
