import TokenVault
import TokenVaultJSON

/// `tokenvault keygen PATH`: writes a new key file.
struct KeygenCommand: VaultCommand {
    /// The help, arguments and exit codes of `keygen`.
    static let configuration = CommandConfiguration(
        name: "keygen",
        abstract: "Write a new key file of 32 random bytes (mode 0600)",
        discussion: """
            Writes 32 random bytes, mode 0600 whatever the umask; missing folders are created with mode
            0700. Refuses to overwrite anything at PATH, and a PATH with a symbolic link in it. Needs no
            vault. Keep the key apart from the vault's backups.
            """,
        arguments: [Positional(name: "PATH", help: "Where to write the key file", completion: .file)],
        examples: ["tokenvault keygen ~/.config/tokenvault/vault.key"],
        exitCodes: [
            .ok("the key file was written"),
            .code(1, "a folder cannot be created, or the file cannot be written"),
            .usage("something exists at PATH, or a component of PATH is a symbolic link or a file"),
        ],
        opensVault: false
    )

    /// Runs `tokenvault keygen`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
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
