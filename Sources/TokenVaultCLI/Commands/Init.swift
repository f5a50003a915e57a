import TokenVault
import TokenVaultJSON

/// `tokenvault init`: creates a vault.
struct InitCommand: VaultCommand {
    /// The options of `init`.
    enum Option: String, OptionKey {
        case kdfN = "kdf-n"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .kdfN: .value("N", "scrypt cost N for a passphrase vault, a power of two from 32768 (default 131072)")
            }
        }
    }

    /// The help, arguments and exit codes of `init`.
    static let configuration = CommandConfiguration(
        name: "init",
        abstract: "Create a vault",
        discussion: """
            Creates the vault file (mode 0600; its directory 0700 when created) with a random id
            and random data keys wrapped by the key-encryption key: a key file, a key command, or a
            passphrase stretched with scrypt (N=2^17, r=8, p=1 unless --kdf-n says otherwise; never below 2^15).
            The key is chosen by the global options; with none, a new passphrase (at least 12 bytes) is
            asked for twice on the terminal. If creation fails, no file is left behind.
            """,
        examples: [
            "tokenvault keygen vault.key && tokenvault --vault vault.db --key-file vault.key init",
            "tokenvault --vault vault.db --passphrase-file pass.txt init",
        ],
        exitCodes: [
            .ok("the vault was created"),
            .usage("something exists at the path, a symbolic link in it, a bad --kdf-n, a passphrase too short or typed differently twice"),
            .code(5, "the key cannot be read, or no key and no terminal"),
            .code(1, "a folder cannot be created, or the file cannot be written"),
        ],
        opensVault: false
    )

    /// Runs `tokenvault init`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var cost = Vault.PassphraseCost.default
        if let text = arguments[.kdfN] { cost.n = try parseKDFN(text) }
        let path = context.vaultPath()
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

    /// An scrypt N: a power of two (the library checks the range).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for anything else.
    static func parseKDFN(_ text: String) throws(VaultError) -> UInt64 {
        guard let n = UInt64(text), n >= 2, n & (n - 1) == 0 else {
            throw VaultError(.invalidInput, "--kdf-n must be a power of two, as 131072")
        }
        return n
    }
}
