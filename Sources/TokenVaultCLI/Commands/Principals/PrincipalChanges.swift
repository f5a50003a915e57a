import TokenVault
import TokenVaultJSON

/// `tokenvault principal remove NAME`: removes a principal.
struct PrincipalRemoveCommand: VaultCommand {
    /// The help, arguments and exit codes of `principal remove`.
    static let configuration = CommandConfiguration(
        name: "principal remove",
        abstract: "Remove a principal: its connections and token are refused from then on",
        arguments: [Positional(name: "NAME", help: "The principal's name")],
        examples: ["tokenvault principal remove procuros"],
        exitCodes: [.ok("the principal was removed"), .code(3, "no such principal")],
        withServer: .client
    )

    /// Runs `tokenvault principal remove`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        try context.access().removePrincipal(arguments.positionals[0])
        context.printDone("removed principal '\(arguments.positionals[0])'", [("removed", .string(arguments.positionals[0]))])
        return .ok
    }
}

/// `tokenvault principal rename OLD NEW`: renames a principal.
struct PrincipalRenameCommand: VaultCommand {
    /// The help, arguments and exit codes of `principal rename`.
    static let configuration = CommandConfiguration(
        name: "principal rename",
        abstract: "Rename a principal (its id, recognition and allow list stay)",
        arguments: [Positional(name: "OLD", help: "The principal's name"), Positional(name: "NEW", help: "Its new name")],
        examples: ["tokenvault principal rename procuros procuros-edi"],
        exitCodes: [.ok("the principal was renamed"), .code(3, "no principal OLD"), .usage("NEW invalid or taken")],
        withServer: .client
    )

    /// Runs `tokenvault principal rename`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        try context.access().renamePrincipal(arguments.positionals[0], to: arguments.positionals[1])
        context.printDone(
            "renamed principal '\(arguments.positionals[0])' to '\(arguments.positionals[1])'", [("renamed", .string(arguments.positionals[1]))]
        )
        return .ok
    }
}

/// `tokenvault principal rotate-token NAME`: a new access token for a token principal.
struct PrincipalRotateTokenCommand: VaultCommand {
    /// The help, arguments and exit codes of `principal rotate-token`.
    static let configuration = CommandConfiguration(
        name: "principal rotate-token",
        abstract: "Give a token principal a new access token (printed once); the old one stops working",
        arguments: [Positional(name: "NAME", help: "The principal's name")],
        examples: ["tokenvault principal rotate-token ci > ci.token"],
        exitCodes: [.ok("the new token was printed"), .code(3, "no such principal"), .usage("the principal is not recognised by a token")],
        withServer: .client
    )

    /// Runs `tokenvault principal rotate-token`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let token = try context.access().rotatePrincipalToken(arguments.positionals[0])
        context.printShownOnce(token, fields: [], note: "rotated the token of principal '\(arguments.positionals[0])'")
        return .ok
    }
}
