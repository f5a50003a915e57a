import TokenVault

/// The scope and expiry options shared by `add` and `issue`, and how they become a
/// ``NewCredential``.
enum CredentialOptions {
    static let specs: [OptionSpec] = [
        .value("project", "P", "Project of a single grant (default *)"),
        .value("resource", "R", "Resource of a single grant (default *)"),
        .value("permissions", "crud", "Permissions of a single grant, letters of crud"),
        .repeated("grant", "P:R:crud", "A grant; * is a wildcard"),
        .value("expires", "DATE", "Expiry date, ISO 8601 (2027-03-01 is midnight UTC)"),
        .value("expires-in", "DURATION", "Expiry after a duration (90d)"),
        .flag("never-expires", "No expiry (flagged as a risk on reports)"),
        .flag("legacy", "Legacy token: unlimited rights (*:*:crud), never expires"),
        .value("issuer", "NAME", "System that issued the token (xentral)"),
        .value("api-url", "URL", "The instance's API URL (https://erp.example.com/api)"),
        .value("description", "TEXT", "What the token is for"),
    ]

    /// Builds the new credential. `defaultExpiry` applies when no expiry option is given
    /// (issue: 90 days); without one, an expiry option is required.
    static func newCredential(
        name: String,
        from arguments: ParsedArguments,
        defaultExpiry: NewCredential.Expiry? = nil
    ) throws(VaultError) -> NewCredential {
        let scopeOptions = ["project", "resource", "permissions", "grant"].filter(arguments.has)
        let expiryOptions = ["expires", "expires-in", "never-expires"].filter(arguments.has)
        var new: NewCredential
        if arguments.flag("legacy") {
            guard scopeOptions.isEmpty, expiryOptions.isEmpty else {
                throw VaultError(
                    .invalidInput,
                    "--legacy already means *:*:crud and no expiry; drop --\((scopeOptions + expiryOptions)[0])"
                )
            }
            new = .legacy(name: name)
        } else {
            guard expiryOptions.count <= 1 else {
                throw VaultError(.invalidInput, "give only one of --expires, --expires-in and --never-expires")
            }
            let expiry: NewCredential.Expiry
            if let date = arguments.value("expires") {
                expiry = .at(try TimeFormat.parseDate(date))
            } else if let duration = arguments.value("expires-in") {
                expiry = .after(seconds: try TimeFormat.parseDuration(duration))
            } else if arguments.flag("never-expires") {
                expiry = .never
            } else if let defaultExpiry {
                expiry = defaultExpiry
            } else {
                throw VaultError(
                    .invalidInput, "say when the token expires",
                    hint: "give --expires DATE, --expires-in 90d, or --never-expires (flagged)"
                )
            }
            new = NewCredential(name: name, scope: try scope(from: arguments), expiry: expiry)
        }
        new.issuer = arguments.value("issuer")
        new.apiURL = arguments.value("api-url")
        new.description = arguments.value("description")
        return new
    }

    private static func scope(from arguments: ParsedArguments) throws(VaultError) -> Scope {
        var grants: [Grant] = []
        for text in arguments.values("grant") { grants.append(try Grant(parsing: text)) }
        let project = arguments.value("project")
        let resource = arguments.value("resource")
        if let permissions = arguments.value("permissions") {
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

/// The need options of `get`, `verify` and `exec`.
enum NeedOptions {
    static let specs: [OptionSpec] = [
        .value("project", "P", "The project the caller will access"),
        .value("resource", "R", "The resource the caller will access"),
        .value("permission", "crud", "What the caller will do: letters of crud"),
    ]

    static func need(from arguments: ParsedArguments) throws(VaultError) -> Need {
        Need(
            project: arguments.value("project"),
            resource: arguments.value("resource"),
            permissions: try arguments.value("permission").map { text throws(VaultError) in try Permissions(parsing: text) }
        )
    }
}
