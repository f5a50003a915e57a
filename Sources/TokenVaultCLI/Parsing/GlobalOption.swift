/// The options every command accepts, before or after the command's name.
///
/// ```swift
/// let path = context.global[.vault] ?? defaultPath
/// ```
enum GlobalOption: String, OptionKey {
    case vault
    case keyFile = "key-file"
    case passphraseFile = "passphrase-file"
    case keyCommand = "key-command"
    case server
    case tokenFile = "token-file"
    case caFile = "ca-file"
    case clientCert = "client-cert"
    case clientKey = "client-key"
    case actor
    case busyTimeout = "busy-timeout"
    case json
    case help

    var spec: OptionSpec {
        switch self {
        case .vault: .value("PATH", "Vault file; default $XDG_DATA_HOME/tokenvault/vault.db", environment: "TOKENVAULT_PATH")
        case .keyFile: .value("PATH", "Unlock with a key file of 32 bytes", environment: "TOKENVAULT_KEY_FILE")
        case .passphraseFile:
            .value("PATH", "Unlock with a passphrase read from a file; else a prompt", environment: "TOKENVAULT_PASSPHRASE_FILE")
        case .keyCommand: .value("CMD", "Unlock with the key printed by /bin/sh -c CMD (a KMS, TPM or systemd-creds)")
        case .server:
            .value(
                "ADDR", "Go through tokenvault serve at this socket (PATH or unix:PATH) or https://HOST:PORT instead of the vault file",
                completion: .file,
                environment: "TOKENVAULT_ADDR"
            )
        case .tokenFile:
            .value(
                "PATH", "With --server: authenticate with the access token in this file, readable by its owner only",
                environment: "TOKENVAULT_TOKEN_FILE")
        case .caFile:
            .value("PATH", "With an https:// server: the CA its certificate must chain to (default: the system's)", environment: "TOKENVAULT_CA_FILE")
        case .clientCert:
            .value("PATH", "With an https:// server: present this client certificate (PEM)", environment: "TOKENVAULT_CLIENT_CERT")
        case .clientKey:
            .value("PATH", "With --client-cert: its private key (PEM), readable by its owner only", environment: "TOKENVAULT_CLIENT_KEY")
        case .actor:
            .value(
                "NAME", "Who is acting, for the audit trail (default the OS user); with --server, on whose behalf", environment: "TOKENVAULT_ACTOR")
        case .busyTimeout: .value("DURATION", "How long to wait for another process's lock (default 5s, at most 1h)")
        case .json: .flag("Print JSON instead of a table or text")
        case .help: .flag("Show help for the command", shortName: "h")
        }
    }
}

/// The options of `tokenvault` itself, given without a command.
enum TopLevelOption: String, OptionKey {
    case version

    var spec: OptionSpec {
        switch self {
        case .version: .flag("Print the version (tokenvault \(CLI.version))")
        }
    }
}
