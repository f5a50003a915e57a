import TokenVault

struct KeygenCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "keygen",
        abstract: "Write a new key file of 32 random bytes (mode 0600)",
        usage: "keygen PATH",
        discussion: "Refuses to overwrite anything at PATH. Keep the key apart from the vault's backups.",
        positionals: 1...1,
        examples: ["tokenvault keygen ~/.config/tokenvault/vault.key"],
        opensVault: false
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let path = arguments.positionals[0]
        try KeyFile.generate(at: path)
        if context.json {
            context.io.out(JSON.object([("key_file", .string(path))]).rendered() + "\n")
        } else {
            context.io.out("wrote key file \(path) (mode 0600)\n")
        }
        return .ok
    }

}

struct InitCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "init",
        abstract: "Create a vault",
        usage: "init [--kdf-n N] [global options]",
        discussion: """
            Creates the vault file (mode 0600; its directory 0700 when created) with a random id
            and random data keys wrapped by the key-encryption key: a key file, a key command, or a
            passphrase stretched with scrypt (N=2^17, r=8, p=1 unless --kdf-n says otherwise; never below 2^15).
            """,
        options: [.value("kdf-n", "N", "scrypt cost N for a passphrase vault, a power of two from 32768 (default 131072)")],
        examples: [
            "tokenvault keygen vault.key && tokenvault --vault vault.db --key-file vault.key init",
            "tokenvault --vault vault.db --passphrase-file pass.txt init",
        ]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var cost = Vault.PassphraseCost.default
        if let text = arguments.value("kdf-n") { cost.n = try parseKDFN(text) }
        let path = context.vaultPath
        let vault = try Vault.create(
            at: path, key: context.keySource(confirmNewPassphrase: true),
            configuration: context.configuration(), passphraseCost: cost
        )
        if context.json {
            context.io.out(JSON.object([("vault", .string(vault.path))]).rendered() + "\n")
        } else {
            context.io.out("created vault \(vault.path)\n")
        }
        return .ok
    }

    static func parseKDFN(_ text: String) throws(VaultError) -> UInt64 {
        guard let n = UInt64(text), n >= 2, n & (n - 1) == 0 else {
            throw VaultError(.invalidInput, "--kdf-n must be a power of two, as 131072")
        }
        return n
    }
}
