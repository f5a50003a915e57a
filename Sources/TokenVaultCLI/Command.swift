import TokenVault

/// What `--help` shows for a command, and the options it accepts.
struct CommandConfiguration: Sendable {
    /// The command's words, e.g. `get` or `audit verify`.
    let name: String
    let abstract: String
    let usage: String
    var discussion: String = ""
    var options: [OptionSpec] = []
    /// How many positional arguments it takes.
    var positionals: ClosedRange<Int> = 0...0
    var examples: [String] = []
    /// Whether `-- COMMAND ARGS…` may follow (exec).
    var allowsPassthrough = false
    /// Whether the command needs no vault key (keygen, init creates its own).
    var opensVault = true
}

/// One `tokenvault` command.
protocol VaultCommand: Sendable {
    static var configuration: CommandConfiguration { get }
    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus
}

/// Every command, in the order `--help` lists them.
let allCommands: [any VaultCommand.Type] = [
    KeygenCommand.self, InitCommand.self, AddCommand.self, IssueCommand.self, VerifyCommand.self, GetCommand.self,
    ExecCommand.self, ListCommand.self, ShowCommand.self, RenameCommand.self, RotateCommand.self, RevokeCommand.self,
    ExpiringCommand.self, TestCommand.self, DeleteCommand.self, AuditCommand.self, AuditVerifyCommand.self,
    AuditSealCommand.self, ReportCommand.self, ScanCommand.self, CheckEndpointCommand.self, RekeyCommand.self,
    RotateDataKeyCommand.self,
]

/// Options every command accepts, before or after the command's name.
let globalOptions: [OptionSpec] = [
    .value("vault", "PATH", "Vault file (env TOKENVAULT_PATH; default $XDG_DATA_HOME/tokenvault/vault.db)"),
    .value("key-file", "PATH", "Key file of 32 bytes (env TOKENVAULT_KEY_FILE)"),
    .value("passphrase-file", "PATH", "File holding the passphrase (env TOKENVAULT_PASSPHRASE_FILE); else a prompt"),
    .value("key-command", "CMD", "Shell command that prints the key (a KMS, TPM or systemd-creds)"),
    .value("actor", "NAME", "Who is acting, for the audit trail (env TOKENVAULT_ACTOR; default the OS user)"),
    .value("busy-timeout", "DURATION", "How long to wait for another process's lock (default 5s)"),
    .flag("json", "Print JSON instead of a table or text"),
    .flag("help", "Show help for the command"),
]
