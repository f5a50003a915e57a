import TokenVault
import TokenVaultJSON

/// `tokenvault import --dotenv FILE`: moves tokens out of a `.env` file into the vault.
struct ImportCommand: VaultCommand {
    /// The options of `import`.
    enum Option: String, OptionKey {
        case dotenv, grant, expires
        case expiresIn = "expires-in"
        case neverExpires = "never-expires"
        case issuer

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .dotenv: .value("FILE", "The .env file whose KEY=value lines become credentials")
            case .grant: .repeated("P:R:crud", "A grant of every imported credential; * is a wildcard")
            case .expires: .value("DATE", "Expiry date of every imported credential, ISO 8601")
            case .expiresIn: .value("DURATION", "Expiry of every imported credential after a duration (90d)")
            case .neverExpires: .flag("No expiry (flagged as a risk on reports)")
            case .issuer: .value("NAME", "System that issued the tokens (xentral)")
            }
        }
    }

    /// The help, arguments and exit codes of `import`.
    static let configuration = CommandConfiguration(
        name: "import",
        abstract: "Move tokens out of a .env file: each key a credential, and the exec line that replaces the file",
        discussion: """
            Reads FILE's KEY=value lines (export, quotes and comments as .env files write them), checks
            them all, then adds each value as a credential named KEY with the given grants and expiry
            (as add does, each one audited). Nothing is added when a line is malformed or a name is
            taken. Then prints the tokenvault exec line that gives a program the same variables from
            the vault, so that the file can be deleted (it is left as it is: delete it, and its
            copies, yourself). Values never appear in the output.
            """,
        examples: ["tokenvault import --dotenv .env --grant shop-de:*:r --expires-in 180d --issuer xentral"],
        exitCodes: [
            .ok("every value was added"), .code(3, "no such file"),
            .usage("no --dotenv, a malformed line, a taken name, no grant or no expiry"),
        ]
    )

    /// Runs `tokenvault import`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard let path = arguments[.dotenv] else { throw VaultError(.invalidInput, "give the file to import with --dotenv FILE") }
        let grants = try arguments.all(.grant).map { text throws(VaultError) in try Grant(parsing: text) }
        guard !grants.isEmpty else { throw VaultError(.invalidInput, "give the imported credentials' rights with --grant P:R:crud") }
        guard
            let expiry = try CredentialOptions.expiry(
                date: arguments[.expires], duration: arguments[.expiresIn], never: arguments.contains(.neverExpires)
            )
        else {
            throw VaultError(.invalidInput, "say when the imported tokens expire", hint: "give --expires DATE, --expires-in 90d, or --never-expires")
        }
        let file = try DotenvFile(path: path)
        guard !file.entries.isEmpty else { throw VaultError(.invalidInput, "the .env file holds no KEY=value line") }
        var credentials: [NewCredential] = []
        for entry in file.entries {
            var new = NewCredential(name: entry.key, scope: try Scope(grants), expiry: expiry)
            new.issuer = arguments[.issuer]
            try new.validate()
            credentials.append(new)
        }
        let vault = try context.openVault()
        // Every name checked before the first add: a taken one adds nothing.
        for new in credentials where (try? vault.show(new.name)) != nil {
            throw VaultError(.invalidInput, "a credential named '\(new.name)' already exists: nothing was imported")
        }
        for (new, entry) in zip(credentials, file.entries) { _ = try vault.add(new, secret: entry.value) }
        let bindings = file.entries.map { "--env \($0.key)=\($0.key)" }.joined(separator: " ")
        let execLine = "tokenvault exec \(bindings) -- COMMAND"
        let fields: [(String, JSON)] = [("imported", .array(file.entries.map { .string($0.key) })), ("exec", .string(execLine))]
        if context.json {
            context.printDone("", fields)
        } else {
            for line in ["imported \(file.entries.count) credentials from \(path); run programs with:", execLine, "then delete \(path)"] {
                context.io.out(Table.clean(line) + "\n")
            }
        }
        return .ok
    }
}
