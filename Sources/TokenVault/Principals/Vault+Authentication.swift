internal import TokenVaultCrypto
internal import TokenVaultStore

/// Who is at the other end of a connection to the service, as the transport establishes it
/// before any request is read: the kernel for a local process, the TLS handshake for a remote
/// client, PID 1 for a systemd unit.
public enum PeerIdentity: Sendable, Hashable {
    /// A process on this host, connected to the Unix socket: the kernel's peer credentials.
    case process(uid: UInt32, gid: UInt32, pid: Int32)
    /// A client of the TLS listener: its address (`HOST:PORT`) and, when it presented one that
    /// the listener verified, the SHA-256 fingerprint of its certificate (lowercase hex).
    case remote(address: String, certificate: String?)
    /// A systemd unit loading a credential through the credentials socket: named by the service
    /// manager (a root process, which the server checked), whose process id is recorded with it.
    case unit(String, pid: Int32? = nil)

    /// A local process (the Unix socket's peer credentials).
    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self = .process(uid: uid, gid: gid, pid: pid)
    }

    /// How the audit records the peer: `uid=U pid=P`, `addr=HOST:PORT` (and
    /// ` cert=SHA256`), or `unit=NAME pid=P` (the root process that named the unit).
    public var auditText: String {
        switch self {
        case .process(let uid, _, let pid): "uid=\(uid) pid=\(pid)"
        case .remote(let address, let certificate): "addr=\(address)" + (certificate.map { " cert=\($0)" } ?? "")
        case .unit(let unit, let pid): "unit=\(unit)" + (pid.map { " pid=\($0)" } ?? "")
        }
    }
}

extension Vault {
    /// The principal a caller of the service is: the one whose access token `bearer` is, when
    /// given; else the one recognised by the peer: a local process by its user id, then its
    /// group id; a remote client by its certificate; a unit by its name.
    ///
    /// ```swift
    /// let principal = try vault.authenticate(peer: peer, bearer: token)
    /// let scoped = try vault.acting(as: principal, peer: peerText)
    /// ```
    ///
    /// - Returns: the principal and how the audit names its connection (``PeerIdentity/auditText``,
    ///   or `token=ID` for a token, followed by the address for a remote client).
    /// - Parameter auditingRefusal: false to refuse an unknown caller without an audit event (a
    ///   service refusing a peer that was refused too often lately: a flood of refusals must not
    ///   become a flood of commits).
    /// - Throws: ``VaultError/Kind/unauthenticated`` (audited, with the peer, unless
    ///   `auditingRefusal` is false) when no principal matches, or the token is unknown or
    ///   malformed; ``VaultError/Kind/integrity`` (audited)
    ///   when the matching row fails its authentication.
    ///
    /// Security: a token is looked up by its keyed hash and compared in constant time; its
    /// plaintext is never stored or logged. A caller that presents a token is never recognised
    /// by its peer credentials instead.
    public func authenticate(peer: PeerIdentity, bearer: Secret?, auditingRefusal: Bool = true) throws(VaultError)
        -> (principal: Principal, peer: String)
    {
        let tokenHash = bearer.flatMap { token in
            token.withUnsafeBytes { IssuedTokenFormat.isWellFormed($0, prefix: IssuedTokenFormat.accessPrefix) } ? keys.fingerprint(of: token) : nil
        }
        // A token names the caller; a remote one is also known by where it connected from.
        let whereFrom = peer.isRemote ? " " + peer.auditText : ""
        let peerText =
            tokenHash.map { "token=" + StoredPrincipal.tokenID(of: $0) + whereFrom } ?? (bearer == nil ? peer.auditText : "token=malformed")
        // Until a principal is proven, the caller is its connection: refusals are audited so,
        // never as this handle's own (declared) actor, which is the server's.
        let unproven = with(caller: .unauthenticated(peer: peerText + (bearer == nil ? "" : " " + peer.auditText)))
        // One read: the lookup, and the row's check (a failure is audited as the unproven caller).
        let found: Principal? = try unproven.reading { db, _ in
            let match: (StoredPrincipal, newestEvent: Int64?)?
            if bearer != nil {
                guard let tokenHash, let byToken = try PrincipalTable.byTokenHash(db, tokenHash),
                    let stored = byToken.0.tokenHash, ConstantTime.equals(stored, tokenHash)
                else { return nil }
                match = byToken
            } else {
                switch peer {
                case .process(let uid, let gid, _):
                    match = try PrincipalTable.byMatch(db, kind: "uid", id: Int64(uid)) ?? PrincipalTable.byMatch(db, kind: "gid", id: Int64(gid))
                case .remote(_, let certificate?): match = try PrincipalTable.byMatch(db, kind: "certificate", text: certificate)
                case .remote(_, nil): match = nil
                case .unit(let unit, _): match = try PrincipalTable.byMatch(db, kind: "unit", text: unit)
                }
            }
            guard let (stored, newest) = match else { return nil }
            return try checkedPrincipals.principal(of: stored, newestEvent: newest, stateAuthenticator)
        }
        guard let principal = found else {
            if auditingRefusal {
                try unproven.auditAuthenticationRefusal(
                    bearer != nil ? "unknown access token" : peer.isAnonymous ? "no access token or client certificate" : "no principal for the peer"
                )
            }
            throw VaultError(.unauthenticated, "the caller is not a principal of this vault")
        }
        return (principal, peerText)
    }
}

extension PeerIdentity {
    /// A remote client that presented no certificate: only a token can name it.
    fileprivate var isAnonymous: Bool {
        if case .remote(_, nil) = self { return true }
        return false
    }

    /// A client of the TLS listener.
    fileprivate var isRemote: Bool {
        if case .remote = self { return true }
        return false
    }
}
