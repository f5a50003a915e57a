import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault principal add NAME`: adds a caller of the service.
struct PrincipalAddCommand: VaultCommand {
    /// The options of `principal add`.
    enum Option: String, OptionKey {
        case uid, gid, token, allow, admin

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .uid: .value("UID", "Recognise connections from processes of this user id (a number or a user name)")
            case .gid: .value("GID", "Recognise connections from processes of this primary group (a number or a group name)")
            case .token: .flag("Recognise a new bearer access token, printed once")
            case .allow: .repeated("CREDENTIAL:P:R:PERMS", "May fetch CREDENTIAL (* for any) for these needs; or metrics")
            case .admin: .flag("May manage credentials, principals and the audit trail")
            }
        }
    }

    /// The help, arguments and exit codes of `principal add`.
    static let configuration = CommandConfiguration(
        name: "principal add",
        abstract: "Add a principal: a caller of the service and what it may fetch",
        discussion: """
            A principal is recognised on the service's Unix socket by the kernel's peer credentials
            (its user id, else its primary group id) or by a bearer access token (tva_…, printed once
            on standard output; only its keyed hash is stored). Give exactly one of --uid, --gid and
            --token. It gets a secret only for a need covered by the credential's grants and by one
            of its --allow entries. Audited.
            """,
        arguments: [Positional(name: "NAME", help: "The principal's name (at most 50 characters)")],
        examples: [
            "tokenvault principal add procuros --uid procuros --allow 'erp-prod:shop-de:orders:r'",
            "tokenvault principal add ci --token --allow '*:*:*:r' > ci.token",
            "tokenvault principal add admins --gid tokenvault-admins --admin",
        ],
        exitCodes: [.ok("the principal was added"), .usage("no or several of --uid/--gid/--token, a bad entry, a taken name or id")],
        withServer: .client
    )

    /// Runs `tokenvault principal add`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let recognition = try recognition(arguments)
        let allow = try arguments.all(.allow).map { text throws(VaultError) in try AllowEntry(parsing: text) }
        let vault = try context.access()
        let (principal, token) = try vault.addPrincipal(
            arguments.positionals[0], recognisedBy: recognition, allow: allow, admin: arguments.contains(.admin)
        )
        guard let token else {
            context.printDone("added principal '\(principal.name)' (\(principal.recognisedBy))", [("principal", PrincipalOutput.json(principal))])
            return .ok
        }
        context.printShownOnce(
            token, fields: [("principal", PrincipalOutput.json(principal))],
            note: "added principal '\(principal.name)' (\(principal.recognisedBy))"
        )
        return .ok
    }

    private static func recognition(_ arguments: Arguments<Option>) throws(VaultError) -> NewPrincipalRecognition {
        switch (arguments[.uid], arguments[.gid], arguments.contains(.token)) {
        case (let uid?, nil, false): return .uid(try AccountIDs.user(uid))
        case (nil, let gid?, false): return .gid(try AccountIDs.group(gid))
        case (nil, nil, true): return .token
        default: throw VaultError(.invalidInput, "give exactly one of --uid, --gid and --token")
        }
    }
}
