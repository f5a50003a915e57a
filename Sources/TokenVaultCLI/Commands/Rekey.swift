import TokenVault

/// `tokenvault rekey`: changes the key-encryption key.
struct RekeyCommand: VaultCommand {
    /// The options of `rekey`.
    enum Option: String, OptionKey {
        case newKeyFile = "new-key-file"
        case newPassphraseFile = "new-passphrase-file"
        case newKeyCommand = "new-key-command"
        case kdfN = "kdf-n"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .newKeyFile: .value("PATH", "The new key file (32 bytes; see keygen)")
            case .newPassphraseFile: .value("PATH", "A file holding the new passphrase (at least 12 bytes)")
            case .newKeyCommand: .value("CMD", "A command that prints the new key")
            case .kdfN: .value("N", "scrypt cost N for a new passphrase, a power of two from 32768 (default 131072)")
            }
        }
    }

    /// The help, arguments and exit codes of `rekey`.
    static let configuration = CommandConfiguration(
        name: "rekey",
        abstract: "Change the key-encryption key (re-wraps the vault's keys; secrets are not touched)",
        discussion: """
            Unlocks the vault with the current key (global options), then wraps its keys under the new
            one, atomically. Give at most one --new-* option; without one, a new passphrase is asked for
            twice on the terminal. Secrets are not re-encrypted (see rotate-data-key). Old audit events
            and issued tokens stay verifiable. If another process rekeyed the vault after this one
            unlocked it, nothing changes.
            """,
        examples: ["tokenvault keygen new.key && tokenvault rekey --key-file old.key --new-key-file new.key"],
        exitCodes: [
            .ok("the vault was rekeyed"),
            .usage("more than one --new-* option, none and no terminal, a new passphrase too short or typed differently, a bad --kdf-n"),
            .code(5, "the current key is wrong, the new key cannot be read, or another process rekeyed the vault"),
        ]
    )

    /// Runs `tokenvault rekey`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let given = [Option.newKeyFile, .newPassphraseFile, .newKeyCommand].filter(arguments.contains)
        guard given.count <= 1 else {
            throw VaultError(.invalidInput, "give only one of --new-key-file, --new-passphrase-file and --new-key-command")
        }
        var cost = Vault.PassphraseCost.default
        if let text = arguments[.kdfN] { cost.n = try InitCommand.parseKDFN(text) }
        let vault = try context.openVault()
        let newKey: KeySource
        if let path = arguments[.newKeyFile] {
            newKey = .keyFile(path)
        } else if let path = arguments[.newPassphraseFile] {
            newKey = .passphraseFile(path)
        } else if let command = arguments[.newKeyCommand] {
            newKey = .command(command)
        } else {
            newKey = try context.promptNewPassphrase()
        }
        try vault.rekey(to: newKey, passphraseCost: cost)
        context.printDone("rekeyed \(vault.path)", [("rekeyed", .string(vault.path))])
        return .ok
    }
}
