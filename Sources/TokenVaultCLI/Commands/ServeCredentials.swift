import TokenVault
import TokenVaultService
internal import TokenVaultSystem

extension ServeCommand {
    /// The listening socket of `serve --credentials-socket PATH`, or nil without the option:
    /// bound before the vault is unlocked, so that a bad path costs no passphrase.
    ///
    /// The socket file gets mode 0600, whatever `--socket-mode` says: the only client it serves
    /// is systemd's service manager, which runs as root and connects whatever the mode; the
    /// service's own user is the only other one that can. Its parent folder is created with mode
    /// 0700 when missing (under systemd, `RuntimeDirectory=` makes it, owned by the service's
    /// user).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for a path that is not a socket, or one another
    ///   server listens on (the API socket's path among them); ``VaultError/Kind/failed`` when
    ///   the socket cannot be created.
    static func credentialsListener(_ arguments: Arguments<Option>) throws(VaultError) -> UnixListener? {
        guard let path = arguments[.credentialsSocket] else { return nil }
        return try system { () throws(SystemError) in try UnixListener.bind(path: path, mode: 0o600) }
    }

    /// The credentials socket answering on `listener` from `vault`, started.
    ///
    /// - Throws: ``VaultError/Kind/failed`` when its thread cannot be started.
    static func credentialsSocket(on listener: UnixListener, vault: Vault, io: any CommandIO) throws(VaultError) -> CredentialsSocket {
        // Deliveries and refusals: one line each, never a secret, from the socket's thread.
        let socket = try system { () throws(SystemError) in try CredentialsSocket(listener: listener, vault: vault, log: logLine) }
        try system { () throws(SystemError) in try socket.start() }
        io.err("tokenvault: delivering credentials to systemd units on \(Table.clean(listener.path ?? ""))\n")
        return socket
    }
}
