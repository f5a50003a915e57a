import Synchronization
package import TokenVault
package import TokenVaultSystem

/// The credentials socket of `tokenvault serve --credentials-socket PATH`: systemd units load
/// their credentials from it with `LoadCredential=ID:PATH` (systemd.exec(5)).
///
/// When a unit starts, its service manager (root) connects, from a socket bound to the abstract
/// name `\0RANDOM/unit/UNIT/ID`, and reads the credential until the end of the stream. Each
/// connection is answered by ``CredentialDelivery``: the secret, or nothing, and an audit event
/// either way. This is not HTTP and not the server engine: deliveries are rare (one a unit
/// start), so one thread of its own accepts and answers the connections one at a time, each
/// bounded by ``writeTimeout``.
///
/// ```swift
/// let credentials = try CredentialsSocket(
///     listener: UnixListener.bind(path: "/run/tokenvault/credentials/credentials.sock", mode: 0o600),
///     vault: vault, log: log
/// )
/// try credentials.start()
/// defer { credentials.stop() }  // joins the thread, removes the socket file
/// try server.run()
/// ```
///
/// Security: only root and the socket file's owner can connect to a socket of mode 0600, and
/// only root is served: whoever else connects is refused and audited. A root process can claim
/// any unit's name (docs/security-model.md).
package final class CredentialsSocket: Sendable {
    /// How long a peer has to take its secret (16 KiB at most, which a socket buffer holds):
    /// a peer that does not read holds the socket that long at most. 5 s.
    package static let writeTimeout: Duration = .seconds(5)
    /// Connections answered in one round before the stop flag is checked again.
    private static let connectionsPerRound = 16

    private let listener: UnixListener
    private let delivery: CredentialDelivery
    private let wake: WakePipe
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<SystemThread?>(nil)

    /// A socket that answers `listener`'s connections from `vault`, once started.
    ///
    /// - Parameters:
    ///   - listener: the listening socket (its file is removed by ``stop()``).
    ///   - vault: the server's handle; each delivery acts as the unit's principal.
    ///   - log: receives one line for each delivery and each refusal (never a secret); called on
    ///     the socket's thread.
    /// - Throws: ``SystemError/Kind/failed`` when the process is out of descriptors.
    package init(listener: UnixListener, vault: Vault, writeTimeout: Duration = writeTimeout, log: @escaping @Sendable (String) -> Void)
        throws(SystemError)
    {
        self.listener = listener
        delivery = CredentialDelivery(vault: vault, writeTimeout: writeTimeout, log: log)
        wake = try WakePipe()
    }

    /// The socket file's path.
    package var path: String? { listener.path }

    /// Starts answering on a thread of its own.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the thread cannot be started.
    package func start() throws(SystemError) {
        try thread.withLock { (thread: inout SystemThread?) throws(SystemError) in
            precondition(thread == nil, "CredentialsSocket.start() is called once")
            thread = try SystemThread.start(name: "tv-credentials") { [self] in serve() }
        }
    }

    /// Stops answering: the connection being answered is finished (bounded by the write
    /// timeout), the thread joined, the listener closed and its socket file removed. Calling it
    /// again, or without ``start()``, only closes the listener.
    package func stop() {
        stopping.store(true, ordering: .releasing)
        wake.wake()
        let started = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        started?.join()
        listener.close()
    }

    // MARK: - The thread

    /// Accepts and answers connections until ``stop()``.
    private func serve() {
        var set = PollSet()
        while !stopping.load(ordering: .acquiring) {
            set.removeAll()
            let wakeIndex = set.add(wake.readDescriptor, for: .readable)
            let listenerIndex = set.add(listener.descriptor, for: .readable)
            do {
                try set.wait(timeoutMilliseconds: -1)
            } catch {
                delivery.log("credentials socket: \(error.message)")
                pause()
                continue
            }
            if set.events(at: wakeIndex).contains(.readable) { wake.drain() }
            guard set.events(at: listenerIndex).contains(.readable) else { continue }
            for _ in 0..<Self.connectionsPerRound where !stopping.load(ordering: .acquiring) {
                let connection: StreamSocket?
                do {
                    connection = try listener.accept()
                } catch {
                    // Out of descriptors or memory: the connection stays queued; try again soon.
                    delivery.log("credentials socket: \(error.message)")
                    pause()
                    break
                }
                guard let connection else { break }
                delivery.serve(connection)
            }
        }
    }

    /// Waits 100 ms, or less when ``stop()`` is called.
    private func pause() {
        _ = PollSet.wait(for: wake.readDescriptor, .readable, timeoutMilliseconds: 100)
    }
}
