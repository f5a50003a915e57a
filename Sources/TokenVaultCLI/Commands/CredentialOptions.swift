import TokenVault

/// The option table of `add` and `issue`: one credential's scope, expiry and labels.
enum CredentialOption: String, OptionKey {
    case project, resource, permissions, grant
    case expires
    case expiresIn = "expires-in"
    case neverExpires = "never-expires"
    case legacy, issuer
    case apiURL = "api-url"
    case description
    case hook

    var spec: OptionSpec {
        switch self {
        case .project: .value("P", "Project of a single grant (default *)")
        case .resource: .value("R", "Resource of a single grant (default *)")
        case .permissions: .value("crud", "Permissions of a single grant, letters of crud")
        case .grant: .repeated("P:R:crud", "A grant; * is a wildcard")
        case .expires: .value("DATE", "Expiry date, ISO 8601 (2027-03-01 is midnight UTC)")
        case .expiresIn: .value("DURATION", "Expiry after a duration (90d)")
        case .neverExpires: .flag("No expiry (flagged as a risk on reports)")
        case .legacy: .flag("Legacy token: unlimited rights (*:*:crud), never expires")
        case .issuer: .value("NAME", "System that issued the token (xentral)")
        case .apiURL: .value("URL", "The instance's API URL (https://erp.example.com/api)")
        case .description: .value("TEXT", "What the token is for")
        case .hook: .value("CMD", "Stored tokens: its own hook for rotate, test, revoke and delete (run as /bin/sh -c CMD)")
        }
    }
}

/// How the options of ``CredentialOption`` become a ``NewCredential``.
enum CredentialOptions {
    /// Builds the new credential. `defaultExpiry` applies when no expiry option is given
    /// (issue: 90 days); without one, an expiry option is required.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for options that contradict each other, a
    ///   missing expiry, or a bad date, duration or grant.
    static func newCredential(
        name: String,
        from arguments: Arguments<CredentialOption>,
        defaultExpiry: NewCredential.Expiry? = nil
    ) throws(VaultError) -> NewCredential {
        let scopeOptions = [CredentialOption.project, .resource, .permissions, .grant].filter(arguments.contains)
        let expiryOptions = [CredentialOption.expires, .expiresIn, .neverExpires].filter(arguments.contains)
        var new: NewCredential
        if arguments.contains(.legacy) {
            if let first = (scopeOptions + expiryOptions).first {
                throw VaultError(.invalidInput, "--legacy already means *:*:crud and no expiry; drop --\(first.name)")
            }
            new = .legacy(name: name)
        } else {
            guard
                let expiry = try expiry(
                    date: arguments[.expires], duration: arguments[.expiresIn], never: arguments.contains(.neverExpires)
                ) ?? defaultExpiry
            else {
                throw VaultError(
                    .invalidInput, "say when the token expires",
                    hint: "give --expires DATE, --expires-in 90d, or --never-expires (flagged)"
                )
            }
            new = NewCredential(name: name, scope: try scope(from: arguments), expiry: expiry)
        }
        new.issuer = arguments[.issuer]
        new.apiURL = arguments[.apiURL]
        new.description = arguments[.description]
        new.hook = arguments[.hook]
        return new
    }

    /// The expiry of `--expires DATE`, `--expires-in DURATION` or `--never-expires`, or nil
    /// when none is given.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for more than one, or a bad date or duration.
    static func expiry(date: String?, duration: String?, never: Bool) throws(VaultError) -> NewCredential.Expiry? {
        guard [date != nil, duration != nil, never].filter({ $0 }).count <= 1 else {
            throw VaultError(.invalidInput, "give only one of --expires, --expires-in and --never-expires")
        }
        if let date { return .at(try TimeFormat.parseDate(date)) }
        if let duration { return .after(seconds: try TimeFormat.parseDuration(duration)) }
        return never ? .never : nil
    }

    private static func scope(from arguments: Arguments<CredentialOption>) throws(VaultError) -> Scope {
        var grants: [Grant] = []
        for text in arguments.all(.grant) { grants.append(try Grant(parsing: text)) }
        let project = arguments[.project]
        let resource = arguments[.resource]
        if let permissions = arguments[.permissions] {
            grants.append(
                try Grant(
                    project: project ?? Grant.wildcard, resource: resource ?? Grant.wildcard,
                    permissions: Permissions(parsing: permissions)
                )
            )
        } else if project != nil || resource != nil {
            throw VaultError(.invalidInput, "--project and --resource need --permissions (letters of crud)")
        }
        return try Scope(grants)
    }
}
