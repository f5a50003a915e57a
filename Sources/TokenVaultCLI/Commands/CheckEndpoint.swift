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
            and placeholders such as {articlenumber} are handled. A full URL whose host is not the host
            of the credential's --api-url is flagged too: the token would go to another server. Says
            "not a legacy endpoint" otherwise (it cannot know what the token's grants allow there).
            Not audited.
            """,
        arguments: [.credential, Positional(name: "PATH", help: "An API path or a full URL")],
        examples: ["tokenvault check-endpoint erp-prod https://erp.example.com/api/shopimport/status"],
        exitCodes: [
            .ok("PATH is not a legacy endpoint (and a URL's host is the API URL's)"),
            .code(1, "PATH is a legacy endpoint that refuses PATs, or a URL on another host"),
            .code(3, "no such credential"), .usage("a missing argument, or a PATH longer than 2,048 bytes"),
        ]
    )

    /// Runs `tokenvault check-endpoint`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let (name, path) = (arguments.positionals[0], arguments.positionals[1])
        let check = try context.openVault().checkEndpoint(for: name, path: path)
        if context.json {
            context.io.out(
                JSON.object([
                    ("name", .string(name)), ("path", .string(path)), ("refuses_pat", .bool(check.legacyPattern != nil)),
                    ("pattern", .optional(check.legacyPattern)), ("url_host", .optional(check.hostMismatch?.url)),
                    ("api_host", .optional(check.hostMismatch?.credential)),
                ]).rendered() + "\n")
        } else {
            if let pattern = check.legacyPattern {
                context.io.err(
                    Table.clean("tokenvault: warning: \(path) is the legacy endpoint \(pattern), which refuses PAT authentication") + "\n")
            }
            if let (url, api) = check.hostMismatch {
                context.io.err(
                    Table.clean("tokenvault: warning: \(url) is not the host of '\(name)''s API URL (\(api)): the token would go to another server")
                        + "\n")
            }
            if check.isClear { context.io.out(Table.clean("\(path) is not a legacy endpoint") + "\n") }
        }
        return check.isClear ? .ok : .warning
    }
}
