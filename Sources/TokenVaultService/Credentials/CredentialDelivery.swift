import TokenVault
import TokenVaultSystem

/// One connection to the credentials socket, from first check to close: who is asking, what
/// for, and whether it gets the secret (``CredentialsSocket``).
///
/// In order, each step refusing by closing the connection with nothing written:
///
/// 1. The peer must be root (`SO_PEERCRED` uid 0): systemd's service manager loads credentials
///    as root, before the unit drops privileges.
/// 2. Its socket must be bound to the abstract name `\0RANDOM/unit/UNIT/ID`
///    (``UnitCredentialRequest``).
/// 3. `UNIT` must be a principal's unit (``Vault/authenticate(peer:bearer:)`` with
///    ``PeerIdentity/unit(_:)``), and the credential `ID` deliverable to it
///    (``Vault/fetchForDelivery(_:)``: its allow list and the credential's grants both cover
///    the need, and the credential is live).
///
/// Then the secret's bytes are written as stored, with no newline added (systemd keeps exactly
/// what it reads, and a connector reads its credential file as the secret), and the connection
/// is closed. "Delivered" means the kernel took every byte for the peer (the fetch was audited
/// before): a peer that closes without reading cannot be told apart on a Unix socket.
///
/// Every refusal is audited (but a connection whose peer credentials the kernel does not give,
/// which a connected Unix socket never lacks: logged only; and, past the refusal limit,
/// logged only): steps 1 and 2 as an `authenticate` event of an unauthenticated
/// caller, with the peer's `uid=U pid=P` (``Vault/auditRefusedConnection(from:reason:)``); step
/// 3 by the library, as it audits the service's callers (an unknown unit as `authenticate`
/// with peer `unit=UNIT`, a refused fetch as a `fetch` by `principal:NAME`). Each refusal and
/// each delivery is also one line of the log, which never holds a secret.
///
/// Security: the secret is written straight from the ``Secret``'s wiped memory, and never
/// copied into an `Array` or a `String`; it is wiped when the fetched value is released, at
/// the end of ``serve(_:)``.
struct CredentialDelivery: Sendable {
    /// The vault, as the server's own handle (each delivery acts as the unit's principal).
    let vault: Vault
    /// Refusals per unit (or per refused peer) lately: ten at once, then one every ten seconds.
    /// Past it a request is refused without trying, unaudited: a unit that systemd restarts
    /// in a loop, refused each time, must not become a stream of audited commits.
    let refusals = RateLimiter(rate: 0.1, burst: 10)
    /// How long the peer has to take the secret.
    let writeTimeout: Duration
    /// Where the lines go.
    let log: @Sendable (String) -> Void

    /// Why a peer that is not root is refused (audited after `credentials socket: `).
    static let notRoot = "peer is not root"
    /// Why a peer whose socket name is not systemd's request is refused.
    static let notARequest = "peer's socket name is not a credential request (RANDOM/unit/UNIT/ID)"

    /// Answers `connection`, then closes it.
    func serve(_ connection: StreamSocket) {
        defer { connection.close() }
        let peer: PeerCredentials
        do {
            peer = try connection.peerCredentials()
        } catch {
            return log("credentials socket: refused a connection: \(error.message)")
        }
        let process = PeerIdentity(uid: peer.uid, gid: peer.gid, pid: peer.pid)
        guard peer.uid == 0 else { return refuse(process, Self.notRoot) }
        guard let request = request(of: connection) else { return refuse(process, Self.notARequest) }

        let credential = DisplayText.clean(request.credential, limit: 60)
        let unit = PeerIdentity.unit(request.unit, pid: peer.pid)
        let now = MonotonicClock.seconds
        guard refusals.hasCapacity(unit.limitKey, now: now) else {
            return log("credentials socket: refused '\(credential)' to \(request.unit) without trying, unaudited: too many refusals lately")
        }
        let fetched: FetchedSecret
        do throws(VaultError) {
            let (principal, peerText) = try vault.authenticate(peer: unit, bearer: nil)
            fetched = try vault.acting(as: principal, peer: peerText).fetchForDelivery(request.credential)
        } catch {
            _ = refusals.admit(unit.limitKey, now: now)
            return log("credentials socket: refused '\(credential)' to \(request.unit): \(DisplayText.clean(error.message, limit: 200))")
        }
        let sent = fetched.secret.withUnsafeBytes { connection.sendAll($0, timeout: writeTimeout) }
        if sent {
            log("credentials socket: delivered '\(credential)' (version \(fetched.version)) to \(request.unit)")
        } else {
            log(
                "credentials socket: '\(credential)' was fetched for \(request.unit) but not delivered: the peer went away or did not read it in time"
            )
        }
    }

    /// The request the peer's socket name makes, or nil when it makes none.
    private func request(of connection: StreamSocket) -> UnitCredentialRequest? {
        guard case .abstract(let name) = try? connection.peerName() else { return nil }
        return try? UnitCredentialRequest(abstractName: name)
    }

    /// Audits and logs a refusal of a peer the library has no principal to look up for.
    private func refuse(_ peer: PeerIdentity, _ reason: String) {
        let now = MonotonicClock.seconds
        guard refusals.admit(peer.limitKey, now: now) else {
            return log("credentials socket: refused \(peer.auditText), unaudited: too many refusals lately (\(reason))")
        }
        do {
            try vault.auditRefusedConnection(from: peer, reason: "credentials socket: " + reason)
        } catch {
            log("credentials socket: the refusal below could not be audited: \(DisplayText.clean(error.message, limit: 200))")
        }
        log("credentials socket: refused \(peer.auditText): \(reason)")
    }
}
