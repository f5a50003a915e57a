import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault principal add NAME`: adds a caller of the service.
struct PrincipalAddCommand: VaultCommand {
    /// The options of `principal add`.
    enum Option: String, OptionKey {
        case uid, gid, token
        case certFingerprint = "cert-fingerprint"
        case unit, allow, admin

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .uid: .value("UID", "Recognise connections from processes of this user id (a number or a user name)")
            case .gid: .value("GID", "Recognise connections from processes of this primary group (a number or a group name)")
            case .token: .flag("Recognise a new bearer access token, printed once")
            case .certFingerprint: .value("HEX", "Recognise TLS clients presenting this certificate (its SHA-256 fingerprint)")
            case .unit: .value("UNIT", "Recognise this systemd unit loading credentials through the credentials socket")
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
            (its user id, else its primary group id), by a bearer access token (tva_…, printed once
            on standard output; only its keyed hash is stored), on the TLS listener by its client
            certificate's SHA-256 fingerprint (the certificate must also chain to serve's
            --tls-client-ca), or on the credentials socket as a systemd unit (LoadCredential=ID:SOCKET
            delivers the credential named ID, fetched for the need of the allow entry naming it).
            Give exactly one of --uid, --gid, --token, --cert-fingerprint and --unit. It gets a secret
            only for a need covered by the credential's grants and by one of its --allow entries.
            Audited.
            """,
        arguments: [Positional(name: "NAME", help: "The principal's name (at most 50 characters)")],
        examples: [
            "tokenvault principal add procuros --uid procuros --allow 'erp-prod:shop-de:orders:r'",
            "tokenvault principal add ci --token --allow '*:*:*:r' > ci.token",
            "tokenvault principal add admins --gid tokenvault-admins --admin",
            "tokenvault principal add edi-host --cert-fingerprint \"$(openssl x509 -in edi.crt -noout -fingerprint -sha256)\" --allow 'erp-prod:*:*:r'",
            "tokenvault principal add edi-unit --unit edi-connector.service --allow 'erp-prod:shop-de:orders:r'",
        ],
        exitCodes: [
            .ok("the principal was added"), .usage("not exactly one way to recognise it, a bad entry, a taken name, id, certificate or unit"),
        ],
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
        switch (arguments[.uid], arguments[.gid], arguments.contains(.token), arguments[.certFingerprint], arguments[.unit]) {
        case (let uid?, nil, false, nil, nil): return .uid(try AccountIDs.user(uid))
        case (nil, let gid?, false, nil, nil): return .gid(try AccountIDs.group(gid))
        case (nil, nil, true, nil, nil): return .token
        case (nil, nil, false, let fingerprint?, nil): return .certificate(sha256: fingerprint)
        case (nil, nil, false, nil, let unit?): return .unit(unit)
        default: throw VaultError(.invalidInput, "give exactly one of --uid, --gid, --token, --cert-fingerprint and --unit")
        }
    }
}
