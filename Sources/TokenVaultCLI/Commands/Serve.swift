import TokenVault
import TokenVaultService
internal import TokenVaultSystem
internal import TokenVaultTLS

/// `tokenvault serve`: unlocks the vault once and answers its API on a Unix socket.
struct ServeCommand: VaultCommand {
    /// The options of `serve`.
    enum Option: String, OptionKey {
        case socket
        case socketMode = "socket-mode"
        case socketGroup = "socket-group"
        case credentialsSocket = "credentials-socket"
        case maxConnections = "max-connections"
        case workers
        case rateLimit = "rate-limit"
        case listen
        case tlsCert = "tls-cert"
        case tlsKey = "tls-key"
        case tlsClientCA = "tls-client-ca"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .socket: .value("PATH", "The socket (default $XDG_RUNTIME_DIR/tokenvault/tokenvault.sock; /run/tokenvault/… for root)")
            case .socketMode: .value("MODE", "The socket's permissions, in octal (default 0660)")
            case .socketGroup: .value("GROUP", "The socket's group, by name or number (whose members may connect)")
            case .credentialsSocket: .value("PATH", "Also deliver credentials to systemd units (LoadCredential=ID:PATH) on this socket")
            case .maxConnections: .value("N", "Open connections at most; more get 503 (default 256)")
            case .workers: .value("N", "Requests handled at once; concurrent fetches share commits (default 32)")
            case .rateLimit: .value("N", "Requests a second per principal, bursts of 2N; 0 for none (default 1000)")
            case .listen: .value("HOST:PORT", "Also serve over TLS on this TCP address (needs --tls-cert and --tls-key)")
            case .tlsCert: .value("FILE", "The TLS certificate chain (PEM), server's first", completion: .file)
            case .tlsKey: .value("FILE", "The TLS private key (PEM), readable by its owner only", completion: .file)
            case .tlsClientCA: .value("FILE", "Ask TLS clients for a certificate, which must chain to this CA (PEM)", completion: .file)
            }
        }
    }

    /// The help, arguments and exit codes of `serve`.
    static let configuration = CommandConfiguration(
        name: "serve",
        abstract: "Serve the vault to its principals over HTTP on a Unix socket",
        discussion: """
            Unlocks the vault once (key file, key command or passphrase prompt) and answers its HTTP
            API v1 on a Unix socket: a caller is a principal recognised by its user or group id, or by
            an access token (see principal add); it gets a secret only for a need its allow list and
            the credential's grants both cover, and every call is audited as principal:NAME. The
            CLI's get, exec, verify, list, show and the other commands of a credential's life go
            through it with --server SOCKET (or TOKENVAULT_ADDR), needing neither key nor vault file.
            With systemd socket activation (LISTEN_FDS) the socket is systemd's; readiness and
            stopping are sent to NOTIFY_SOCKET. SIGTERM or SIGINT finishes the requests under way and
            exits 0. The process cannot be dumped or traced, and its keys are wiped on exit. Log lines
            on standard error never hold a secret or a request body.

            With --listen HOST:PORT it also answers over TLS (1.3, or 1.2; there is no plain TCP
            listener): callers there are principals by access token (Authorization: Bearer) or by a
            client certificate bound with principal add --cert-fingerprint, which must chain to
            --tls-client-ca. Clients use TOKENVAULT_ADDR=https://HOST:PORT and TOKENVAULT_CA_FILE.

            With --credentials-socket PATH it also listens, mode 0600, on a second socket for systemd's
            LoadCredential=ID:PATH: the service manager, as root, connects from a socket named
            \\0RANDOM/unit/UNIT/ID when UNIT starts, and gets the secret of the credential ID (its bytes
            as stored, no newline) if a principal added with --unit UNIT may fetch it for the need of
            its allow entry naming ID; else nothing. Every delivery and refusal is audited, the
            principal's with peer unit=UNIT; a peer that is not root is refused. No HTTP on it.
            """,
        examples: [
            "tokenvault serve --socket /run/tokenvault/tokenvault.sock --socket-group tokenvault-clients",
            "curl --unix-socket /run/tokenvault/tokenvault.sock http://localhost/v1/health",
            "tokenvault serve --listen 0.0.0.0:8443 --tls-cert /etc/tokenvault/tls.crt --tls-key /etc/tokenvault/tls.key --tls-client-ca /etc/tokenvault/clients-ca.crt",
            "curl --cacert ca.crt -H \"Authorization: Bearer $(cat ci.token)\" https://vault.example.com:8443/v1/credentials",
            "tokenvault serve --credentials-socket /run/tokenvault/credentials/credentials.sock",
        ],
        exitCodes: [
            .ok("stopped by SIGTERM or SIGINT"),
            .usage("a bad option, a socket path that is not a socket, a TLS file that cannot be used, or a key others may read"),
            .code(5, "the vault cannot be unlocked"), .code(1, "a socket could not be created or bound"),
        ]
    )

    /// Runs `tokenvault serve` until SIGTERM or SIGINT.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let mode = try arguments[.socketMode].map { text throws(VaultError) in
            guard let mode = UInt32(text, radix: 8), mode <= 0o777 else {
                throw VaultError(.invalidInput, "invalid --socket-mode '\(Table.clean(text))': use an octal mode such as 0660")
            }
            return mode
        }
        let maxConnections = try number(arguments, .maxConnections, 1...100_000) ?? 256
        let workers = try number(arguments, .workers, 1...1_024) ?? 32
        let rate = try number(arguments, .rateLimit, 0...1_000_000) ?? 1_000
        // TLS is set up before the vault is unlocked: a bad certificate costs no passphrase.
        let tls = try tlsListener(arguments)
        // systemd's socket first: with it no path is needed (the shipped unit gives none, and a
        // system service has no XDG_RUNTIME_DIR), and a key command run by the unlock below
        // does not inherit the socket or the LISTEN_ variables.
        let adopted = try system { () throws(SystemError) in try UnixListener.adoptSystemdSocket() }
        let path: String?
        if adopted != nil {
            path = nil
        } else if let given = arguments[.socket] {
            path = given
        } else {
            path = try defaultSocketPath(context)
        }

        // --credentials-socket: bound before the unlock too (a bad path costs no passphrase).
        let credentialsListener = try credentialsListener(arguments)
        defer { credentialsListener?.close() }

        let vault = try context.openVault()
        var apiConfiguration = VaultService.Configuration()
        apiConfiguration.rateLimit = Double(rate)
        apiConfiguration.rateBurst = Double(rate * 2)
        let service = VaultService(vault: vault, configuration: apiConfiguration)
        let io = context.io
        let group = arguments[.socketGroup]
        let listener = try system { () throws(SystemError) in
            if let adopted { return adopted }
            return try UnixListener.bind(path: path ?? "", mode: mode ?? 0o660, group: group)
        }
        var server = ServerConfiguration(listener: listener)
        if let tls {
            server.listeners.append(.tls(try system { () throws(SystemError) in try TCPListener.bind(tls.endpoint) }, context: tls.context))
        }
        server.maxConnections = maxConnections
        server.workerCount = workers
        server.log = logLine
        let engine = try system { () throws(SystemError) in try Server(configuration: server, handler: service) }
        service.connectionStatistics = engine.statistics

        // --credentials-socket: systemd's LoadCredential=, on its own socket and thread beside the
        // engine (ServeCredentials.swift); stopped, and its file removed, once the engine is.
        let credentials = try credentialsListener.map { (listener) throws(VaultError) in try credentialsSocket(on: listener, vault: vault, io: io) }
        defer { credentials?.stop() }
        let places = engine.configuration.listeners.map { Table.clean($0.description) }.joined(separator: " and ")
        io.err("tokenvault: serving \(Table.clean(vault.path)) on \(places)\n")

        try system { () throws(SystemError) in try engine.run() }
        credentials?.stop()
        io.err("tokenvault: stopped\n")
        return .ok
    }

    /// Writes one line of the server's log (never request content nor a secret) to standard
    /// error, from any thread: the engine's and the credentials socket's.
    static let logLine: @Sendable (String) -> Void = { line in
        Array("tokenvault: \(line)\n".utf8).withUnsafeBytes { _ = Files.writeAll(2, $0) }
    }

    /// The TLS listener's address and context, when `--listen` is given.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for `--listen` without a certificate and key
    ///   (or a `--tls-` option without `--listen`), a bad address, a file that cannot be used,
    ///   or a key file others may read.
    private static func tlsListener(_ arguments: Arguments<Option>) throws(VaultError) -> (endpoint: TCPEndpoint, context: TLSServerContext)? {
        guard let address = arguments[.listen] else {
            if let option = [Option.tlsCert, .tlsKey, .tlsClientCA].first(where: { arguments[$0] != nil }) {
                throw VaultError(.invalidInput, "--\(option.name) goes with --listen HOST:PORT")
            }
            return nil
        }
        guard let certificate = arguments[.tlsCert], let key = arguments[.tlsKey] else {
            throw VaultError(.invalidInput, "--listen needs --tls-cert and --tls-key: the service speaks only TLS over TCP")
        }
        return try system { () throws(SystemError) in
            let endpoint = try TCPEndpoint(parsing: address)
            try Files.requireOwnerOnly(key, what: "TLS key file")
            return (endpoint, try TLSServerContext(certificateFile: certificate, keyFile: key, clientCAFile: arguments[.tlsClientCA]))
        }
    }

    private static func number(_ arguments: Arguments<Option>, _ option: Option, _ range: ClosedRange<Int>) throws(VaultError) -> Int? {
        guard let text = arguments[option] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw VaultError(
                .invalidInput, "invalid --\(option.name) '\(Table.clean(text))': use a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `$XDG_RUNTIME_DIR/tokenvault/tokenvault.sock`, or `/run/tokenvault/tokenvault.sock` for root.
    static func defaultSocketPath(_ context: CommandContext) throws(VaultError) -> String {
        if ProcessIdentity.isRoot { return "/run/tokenvault/tokenvault.sock" }
        guard let runtime = context.io.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty else {
            throw VaultError(.invalidInput, "no --socket given and XDG_RUNTIME_DIR is not set")
        }
        return runtime + "/tokenvault/tokenvault.sock"
    }
}
