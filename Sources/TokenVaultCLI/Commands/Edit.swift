import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault edit NAME`: changes a credential's expiry, grants or labels, keeping its secret.
struct EditCommand: VaultCommand {
    /// The options of `edit`.
    enum Option: String, OptionKey {
        case expires
        case expiresIn = "expires-in"
        case neverExpires = "never-expires"
        case grant
        case removeGrant = "remove-grant"
        case apiURL = "api-url"
        case issuer, description, hook
        case removeHook = "remove-hook"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .expires: .value("DATE", "A new expiry date, ISO 8601 (2027-03-01 is midnight UTC)")
            case .expiresIn: .value("DURATION", "A new expiry, this long from now (90d)")
            case .neverExpires: .flag("No expiry (flagged as a risk on reports)")
            case .grant: .repeated("P:R:crud", "Add a grant (replacing one on the same project and resource)")
            case .removeGrant: .repeated("P:R", "Remove the grant on this project and resource (P:R:crud is taken too)")
            case .apiURL: .value("URL", "A new API URL")
            case .issuer: .value("NAME", "A new issuer")
            case .description: .value("TEXT", "A new description")
            case .hook: .value("CMD", "Its own hook for rotate, test, revoke and delete (run as /bin/sh -c CMD)")
            case .removeHook: .flag("Remove its own hook")
            }
        }
    }

    /// The help, arguments and exit codes of `edit`.
    static let configuration = CommandConfiguration(
        name: "edit",
        abstract: "Change a credential's expiry, grants or labels (its secret and versions stay)",
        discussion: """
            Fixes what was set at add without a rotation: the expiry (an issued token's within 180
            days), grants added, replaced or removed (a credential keeps at least one; a legacy
            token's unlimited rights cannot be edited), the API URL, issuer, description and the
            credential's own hook (whose program must be an executable file; see rotate). One audited
            event names the fields changed, with the new expiry and grants.
            """,
        arguments: [.credential],
        examples: [
            "tokenvault edit erp-prod --expires 2027-05-01",
            "tokenvault edit erp-prod --grant shop-at:orders:r --remove-grant shop-de:items",
            "tokenvault edit erp-prod --hook /etc/tokenvault/hooks/xentral",
        ],
        exitCodes: [
            .ok("the credential was changed"), .code(3, "no such credential"),
            .usage(
                "nothing to change, a bad option, an expiry in the past, a grant it does not have, its last grant, or a hook that is not executable"),
        ]
    )

    /// Runs `tokenvault edit`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var change = CredentialEdit()
        change.expiry = try CredentialOptions.expiry(
            date: arguments[.expires], duration: arguments[.expiresIn], never: arguments.contains(.neverExpires)
        )
        change.addGrants = try arguments.all(.grant).map { text throws(VaultError) in try Grant(parsing: text) }
        // P:R, or a whole grant P:R:crud (its permissions are not compared).
        change.removeGrants = try arguments.all(.removeGrant).map { text throws(VaultError) in
            try Grant(parsing: text.filter { $0 == ":" }.count == 1 ? text + ":r" : text)
        }
        change.apiURL = arguments[.apiURL]
        change.issuer = arguments[.issuer]
        change.description = arguments[.description]
        if arguments.contains(.hook) && arguments.contains(.removeHook) {
            throw VaultError(.invalidInput, "give only one of --hook and --remove-hook")
        }
        if let hook = arguments[.hook] { change.hook = .some(hook) }
        if arguments.contains(.removeHook) { change.hook = .some(nil) }
        let vault = try context.openVault()
        let credential = try vault.edit(arguments.positionals[0], change)
        let now = vault.configuration.clock.now
        context.printDone(
            "edited '\(credential.name)': expires \(CredentialOutput.expiry(credential, now: now)), scope \(CredentialOutput.scope(credential))",
            [("credential", CredentialOutput.json(credential, now: now))]
        )
        return .ok
    }
}
