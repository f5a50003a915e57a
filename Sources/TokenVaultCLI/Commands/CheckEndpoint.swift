import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault check-endpoint NAME PATH`: whether a PAT can reach an API path.
struct CheckEndpointCommand: VaultCommand {
    /// The help, arguments and exit codes of `check-endpoint`.
    static let configuration = CommandConfiguration(
        name: "check-endpoint",
        abstract: "Warn when an API path is a legacy ERP endpoint that refuses PATs",
        discussion: """
            Some legacy endpoints of the ERP refuse personal-access-token authentication
            (/shopimport/..., /v1/reports). PATH may be a path or a full URL; a leading /api, the query
            and placeholders such as {articlenumber} are handled. Not audited.
            """,
        arguments: [.credential, Positional(name: "PATH", help: "An API path or a full URL")],
        examples: ["tokenvault check-endpoint erp-prod https://erp.example.com/api/shopimport/status"],
        exitCodes: [
            .ok("the credential can be used for PATH"), .code(1, "PATH is a legacy endpoint that refuses PATs"),
            .code(3, "no such credential"), .usage("a missing argument, or a PATH longer than 2,048 bytes"),
        ]
    )

    /// Runs `tokenvault check-endpoint`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let (name, path) = (arguments.positionals[0], arguments.positionals[1])
        let vault = try context.openVault()
        let match = try vault.legacyEndpoint(for: name, path: path)
        if context.json {
            context.io.out(
                JSON.object([("name", .string(name)), ("path", .string(path)), ("refuses_pat", .bool(match != nil)), ("pattern", .optional(match))])
                    .rendered() + "\n")
        } else if let match {
            context.io.err(
                Table.clean(
                    "tokenvault: warning: \(path) is the legacy endpoint \(match), which refuses PAT authentication: '\(name)' cannot reach it")
                    + "\n")
        } else {
            context.io.out(Table.clean("'\(name)' can be used for \(path) (not a legacy endpoint)") + "\n")
        }
        return match == nil ? .ok : .warning
    }
}
