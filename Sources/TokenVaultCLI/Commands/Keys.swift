import TokenVault

struct RekeyCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "rekey",
        abstract: "Change the key-encryption key (re-wraps the vault's keys; secrets are not touched)",
        usage: "rekey (--new-key-file PATH | --new-passphrase-file PATH | --new-key-command CMD) [--kdf-n N]",
        discussion: """
            Unlocks the vault with the current key (global options), then wraps its keys under the new
            one, atomically. Without a --new-* option, a new passphrase is asked for twice on the
            terminal. Old audit events and issued tokens stay verifiable.
            """,
        options: [
            .value("new-key-file", "PATH", "The new key file (32 bytes; see keygen)"),
            .value("new-passphrase-file", "PATH", "A file holding the new passphrase"),
            .value("new-key-command", "CMD", "A command that prints the new key"),
            .value("kdf-n", "N", "scrypt cost N for a new passphrase, a power of two from 32768 (default 131072)"),
        ],
        examples: ["tokenvault keygen new.key && tokenvault rekey --key-file old.key --new-key-file new.key"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let given = ["new-key-file", "new-passphrase-file", "new-key-command"].filter { arguments.value($0) != nil }
        guard given.count <= 1 else {
            throw VaultError(.invalidInput, "give only one of --new-key-file, --new-passphrase-file and --new-key-command")
        }
        var cost = Vault.PassphraseCost.default
        if let text = arguments.value("kdf-n") { cost.n = try InitCommand.parseKDFN(text) }
        let vault = try context.openVault()
        let newKey: KeySource
        if let path = arguments.value("new-key-file") {
            newKey = .keyFile(path)
        } else if let path = arguments.value("new-passphrase-file") {
            newKey = .passphraseFile(path)
        } else if let command = arguments.value("new-key-command") {
            newKey = .command(command)
        } else {
            newKey = try context.promptNewPassphrase()
        }
        try vault.rekey(to: newKey, passphraseCost: cost)
        context.printDone("rekeyed \(vault.path)", [("rekeyed", .string(vault.path))])
        return .ok
    }
}

struct RotateDataKeyCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "rotate-data-key",
        abstract: "Make a new data key, re-encrypt every secret under it, destroy the old one",
        usage: "rotate-data-key",
        discussion: "One transaction: either every secret is re-encrypted and the old key destroyed, or nothing changes.",
        examples: ["tokenvault rotate-data-key"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let count = try vault.rotateDataKey()
        context.printDone("re-encrypted \(count) secret versions under a new data key", [("reencrypted", .int(Int64(count)))])
        return .ok
    }
}
