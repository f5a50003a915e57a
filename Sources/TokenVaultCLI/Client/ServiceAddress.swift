import TokenVault
internal import TokenVaultSystem
internal import TokenVaultTLS

/// Where `tokenvault serve` answers: its Unix socket (`PATH`, `unix:PATH`) or its TLS listener
/// (`https://HOST:PORT`), with what the client needs for TLS.
///
/// ```swift
/// let address = try ServiceAddress(parsing: "https://vault.example.com:8443", tls: settings)
/// ```
enum ServiceAddress {
    case unix(path: String)
    case tls(TCPEndpoint, TLSClientSettings)

    /// - Throws: ``VaultError/Kind/invalidInput`` for an address of another shape (`http://`
    ///   is refused: the service has no plain TCP listener).
    init(parsing address: String, tls: TLSClientSettings) throws(VaultError) {
        let lowered = address.lowercased()
        if lowered.hasPrefix("https://") {
            var rest = address.dropFirst(8)
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            guard let endpoint = try? TCPEndpoint(parsing: String(rest)), endpoint.port > 0 else {
                throw VaultError(.invalidInput, "invalid server address '\(Table.clean(address))': use https://HOST:PORT")
            }
            self = .tls(endpoint, tls)
            return
        }
        let path = lowered.hasPrefix("unix:") ? String(address.dropFirst(5)) : address
        guard !path.isEmpty, !path.contains("://") else {
            throw VaultError(
                .invalidInput, "invalid server address '\(Table.clean(address))': give a Unix socket (PATH or unix:PATH) or https://HOST:PORT"
            )
        }
        self = .unix(path: path)
    }

    /// Whether it goes over TLS.
    var isTLS: Bool {
        if case .tls = self { return true }
        return false
    }
}

/// The client's side of TLS: the CA the service's certificate must chain to (the system's
/// roots when nil) and, for mutual TLS, a client certificate and its key.
struct TLSClientSettings {
    var caFile: String?
    var certificateFile: String?
    var keyFile: String?

    /// The context these settings describe (libssl is loaded here, on first use).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when a file cannot be used, only one of the
    ///   certificate and its key is given, or the key file is readable by others.
    func context() throws(VaultError) -> TLSClientContext {
        guard (certificateFile == nil) == (keyFile == nil) else {
            throw VaultError(.invalidInput, "--client-cert and --client-key go together")
        }
        do {
            if let keyFile { try Files.requireOwnerOnly(keyFile, what: "client key file") }
            return try TLSClientContext(caFile: caFile, certificateFile: certificateFile, keyFile: keyFile)
        } catch {
            throw VaultError(error)
        }
    }
}
