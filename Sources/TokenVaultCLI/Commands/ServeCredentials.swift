import TokenVault
import TokenVaultService
internal import TokenVaultSystem

extension ServeCommand {
    /// The credentials socket of `serve --credentials-socket PATH`, listening and started, or
    /// nil without the option.
    ///
    /// The socket file gets mode 0600, whatever `--socket-mode` says: the only client it serves
    /// is systemd's service manager, which runs as root and connects whatever the mode; the
    /// service's own user is the only other one that can. Its parent folder is created with mode
    /// 0700 when missing (under systemd, `RuntimeDirectory=` makes it, owned by the service's
    /// user).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for a path that is not a socket, or one another
    ///   server listens on (the API socket's path among them); ``VaultError/Kind/failed`` when
    ///   the socket or its thread cannot be created.
    static func credentialsSocket(_ arguments: Arguments<Option>, vault: Vault, io: any CommandIO) throws(VaultError) -> CredentialsSocket? {
        guard let path = arguments[.credentialsSocket] else { return nil }
        let socket = try system { () throws(SystemError) in
            let listener = try UnixListener.bind(path: path, mode: 0o600)
            // Deliveries and refusals: one line each, never a secret, from the socket's thread.
            return try CredentialsSocket(listener: listener, vault: vault) { line in
                Array("tokenvault: \(line)\n".utf8).withUnsafeBytes { _ = Files.writeAll(2, $0) }
            }
        }
        try system { () throws(SystemError) in try socket.start() }
        io.err("tokenvault: delivering credentials to systemd units on \(Table.clean(path))\n")
        return socket
    }
}
