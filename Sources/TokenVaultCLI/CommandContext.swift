import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem

/// What every command shares: the I/O, the global options, and the vault once opened.
final class CommandContext {
    /// Where the command reads and writes.
    let io: any CommandIO
    /// The global options given.
    let global: OptionValues<GlobalOption>
    /// The command's words, for messages.
    let commandName: String

    /// A context for one run of the command `commandName`.
    init(io: any CommandIO, global: OptionValues<GlobalOption>, commandName: String) {
        self.io = io
        self.global = global
        self.commandName = commandName
    }

    /// `--json` was given.
    var json: Bool { global.contains(.json) }

    /// The vault's location: `--vault`, `$TOKENVAULT_PATH`, or `$XDG_DATA_HOME/tokenvault/vault.db`
    /// (`~/.local/share/tokenvault/vault.db` without XDG_DATA_HOME). The library reads it: a file
    /// path, or a `postgresql://` URI (a URL of another scheme is refused there, never echoed).
    func vaultPath() -> String {
        if let location = global[.vault] ?? fromEnvironment(.vault) { return location }
        if let data = nonEmpty("XDG_DATA_HOME") { return data + "/tokenvault/vault.db" }
        return (nonEmpty("HOME") ?? ".") + "/.local/share/tokenvault/vault.db"
    }

    /// The vault configuration from the global options and environment.
    func configuration() throws(VaultError) -> Vault.Configuration {
        var configuration = Vault.Configuration(actor: global[.actor] ?? fromEnvironment(.actor))
        if let timeout = global[.busyTimeout] {
            let seconds = try TimeFormat.parseDuration(timeout)
            guard seconds <= 3_600 else { throw VaultError(.invalidInput, "--busy-timeout is at most 1h") }
            configuration.busyTimeoutMilliseconds = Int32(seconds * 1_000)
        }
        return configuration
    }

    /// The key source: exactly one of `--key-file`, `--passphrase-file`, `--key-command`, else
    /// `$TOKENVAULT_KEY_FILE`, `$TOKENVAULT_PASSPHRASE_FILE`, else a no-echo prompt on the terminal.
    func keySource(confirmNewPassphrase: Bool = false) throws(VaultError) -> KeySource {
        let explicit = [GlobalOption.keyFile, .passphraseFile, .keyCommand].filter(global.contains)
        guard explicit.count <= 1 else {
            throw VaultError(.invalidInput, "give only one of --key-file, --passphrase-file and --key-command")
        }
        if let path = global[.keyFile] { return .keyFile(path) }
        if let path = global[.passphraseFile] { return .passphraseFile(path) }
        if let command = global[.keyCommand] { return .command(command) }
        if let path = fromEnvironment(.keyFile) { return .keyFile(path) }
        if let path = fromEnvironment(.passphraseFile) { return .passphraseFile(path) }
        guard let terminal = Terminal.open() else {
            throw VaultError(
                .locked, "no key given and no terminal to ask for a passphrase",
                hint: "use --key-file, --passphrase-file or --key-command"
            )
        }
        return try confirmNewPassphrase ? askNewPassphrase(terminal) : .passphrase(terminal.prompt("Vault passphrase: "))
    }

    /// A new passphrase typed twice on the terminal (rekey without a --new-* option).
    func promptNewPassphrase() throws(VaultError) -> KeySource {
        guard let terminal = Terminal.open() else {
            throw VaultError(
                .invalidInput, "no terminal to ask for the new passphrase: give --new-key-file, --new-passphrase-file or --new-key-command")
        }
        return try askNewPassphrase(terminal)
    }

    private func askNewPassphrase(_ terminal: borrowing Terminal) throws(VaultError) -> KeySource {
        let passphrase = try terminal.prompt("New vault passphrase: ")
        let again = try terminal.prompt("Repeat the passphrase: ")
        guard passphrase.constantTimeEquals(again) else { throw VaultError(.invalidInput, "the passphrases do not match") }
        return .passphrase(passphrase)
    }

    /// Opens and unlocks the vault.
    ///
    /// - Throws: a usage error when a service's address is given: the command needs the file.
    func openVault() throws(VaultError) -> Vault {
        if serverAddress != nil { throw needsVaultFile() }
        return try Vault.open(at: vaultPath(), key: keySource(), configuration: configuration())
    }

    // MARK: - The service

    /// The service's address: `--server`, else `$TOKENVAULT_ADDR`; nil for the vault file.
    var serverAddress: String? { global[.server] ?? fromEnvironment(.server) }

    /// The vault a command works on: through the service at ``serverAddress`` when one is given,
    /// else the vault file, opened and unlocked. A command that calls this instead of
    /// ``openVault()`` works in both modes, and prints the same in both.
    ///
    /// ```swift
    /// let vault = try context.access()
    /// try vault.revoke(name)
    /// ```
    ///
    /// Through the service the caller is recognised by the process's user or group id, or by the
    /// access token in `--token-file` (`$TOKENVAULT_TOKEN_FILE`); `--actor` (`$TOKENVAULT_ACTOR`)
    /// is sent as the name it acts for (`TokenVault-On-Behalf-Of`). Neither key nor vault file
    /// is read.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an address that is not a Unix socket's,
    ///   an option of the vault file given with one (`--vault`, `--key-file`…), `--token-file`
    ///   without one, or an actor with a control character; ``VaultError/Kind/locked`` for a
    ///   token file that cannot be read or that others may read; what ``openVault()`` throws.
    func access() throws(VaultError) -> any VaultAccess {
        guard let address = serverAddress else {
            if let option = [GlobalOption.tokenFile, .caFile, .clientCert, .clientKey].first(where: global.contains) {
                throw VaultError(.invalidInput, "--\(option.name) goes with --server (or TOKENVAULT_ADDR)")
            }
            return try openVault()
        }
        let fileOptions = [GlobalOption.vault, .keyFile, .passphraseFile, .keyCommand, .busyTimeout].filter(global.contains)
        if let option = fileOptions.first {
            throw VaultError(
                .invalidInput, "--\(option.name) is for the vault file, and --server (or TOKENVAULT_ADDR) goes through the service: give one"
            )
        }
        let actor = global[.actor] ?? fromEnvironment(.actor)
        if let actor, actor.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw VaultError(.invalidInput, "invalid actor: it goes in a header field, and holds a control character")
        }
        let token = try (global[.tokenFile] ?? fromEnvironment(.tokenFile)).map { path throws(VaultError) in
            try Self.accessToken(path)
        }
        let tls = TLSClientSettings(
            caFile: global[.caFile] ?? fromEnvironment(.caFile), certificateFile: global[.clientCert] ?? fromEnvironment(.clientCert),
            keyFile: global[.clientKey] ?? fromEnvironment(.clientKey)
        )
        let server = try ServiceAddress(parsing: address, tls: tls)
        if !server.isTLS, let option = [GlobalOption.caFile, .clientCert, .clientKey].first(where: global.contains) {
            throw VaultError(.invalidInput, "--\(option.name) is for an https:// server, not a Unix socket")
        }
        return ServiceClient(connection: ServiceConnection(address: server, token: token, onBehalfOf: actor))
    }

    /// The error of a command that needs the vault file, when a service's address is given.
    func needsVaultFile() -> VaultError {
        VaultError(.invalidInput, "'\(commandName)' works on the vault file, not through a service: drop --server (or unset TOKENVAULT_ADDR)")
    }

    /// The access token in `path`: a file only its owner may read, holding one token.
    private static func accessToken(_ path: String) throws(VaultError) -> Secret {
        let token = try Secret.readPrivateFile(path, what: "access token file")
        // It goes in a header field: a byte a token never has could split the request.
        guard token.withUnsafeBytes({ $0.allSatisfy { (0x21...0x7E).contains($0) } }) else {
            throw VaultError(.locked, "access token file '\(Table.clean(path))' holds a byte no access token has (they are printable ASCII)")
        }
        return token
    }

    /// Prints a one-line confirmation, or its JSON form with `--json`.
    func printDone(_ text: String, _ json: [(String, JSON)]) {
        if self.json {
            io.out(JSON.object(json).rendered() + "\n")
        } else {
            io.out(Table.clean(text) + "\n")
        }
    }

    /// Prints a token that is shown once (`issue`, a minted rotation, an access token): alone on
    /// standard output and `note` on standard error, or with `--json` one document
    /// `{"token": …, FIELDS…}`. The token's bytes go from its wiped memory to the output, never
    /// through a `String` (a minted token is base62: nothing in it needs escaping).
    func printShownOnce(_ token: Secret, fields: [(String, JSON)], note: String) {
        if json {
            io.out("{\"token\":\"")
            token.withUnsafeBytes { io.writeOut($0) }
            let rest = JSON.object(fields).rendered().dropFirst()
            io.out("\"" + (fields.isEmpty ? "" : ",") + rest + "\n")
        } else {
            token.withUnsafeBytes { io.writeOut($0) }
            io.out("\n")
            io.err(Table.clean(note) + "; this token is shown once\n")
        }
    }

    /// Reads a secret: from standard input, or a no-echo prompt when it is a terminal.
    func readSecret(prompt: String) throws(VaultError) -> Secret {
        if io.standardInputIsTerminal, let terminal = Terminal.open() {
            return try terminal.prompt(prompt)
        }
        return try io.readSecretFromStandardInput()
    }

    /// The environment variable that stands in for `option`, when set and not empty.
    private func fromEnvironment(_ option: GlobalOption) -> String? {
        option.spec.environmentVariable.flatMap(nonEmpty)
    }

    private func nonEmpty(_ variable: String) -> String? {
        guard let value = io.environment[variable], !value.isEmpty else { return nil }
        return value
    }
}
