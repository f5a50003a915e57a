internal import TokenVaultCrypto
internal import TokenVaultStore

/// The kernel's account of a connection's other end: who runs the process that connected.
public struct PeerIdentity: Sendable, Hashable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    /// How the audit records the peer: `uid=U pid=P`.
    public var auditText: String { "uid=\(uid) pid=\(pid)" }
}

extension Vault {
    /// The principal a caller of the service is: the one whose access token `bearer` is, when
    /// given; else the one recognised by the peer's user id, then by its group id.
    ///
    /// ```swift
    /// let principal = try vault.authenticate(peer: peer, bearer: token)
    /// let scoped = try vault.acting(as: principal, peer: peerText)
    /// ```
    ///
    /// - Returns: the principal and how the audit names its connection (`uid=U pid=P` or
    ///   `token=ID`).
    /// - Throws: ``VaultError/Kind/unauthenticated`` (audited, with the peer) when no principal
    ///   matches, or the token is unknown or malformed; ``VaultError/Kind/integrity`` (audited)
    ///   when the matching row fails its authentication.
    ///
    /// Security: a token is looked up by its keyed hash and compared in constant time; its
    /// plaintext is never stored or logged. A caller that presents a token is never recognised
    /// by its peer credentials instead.
    public func authenticate(peer: PeerIdentity, bearer: Secret?) throws(VaultError) -> (principal: Principal, peer: String) {
        let tokenHash = bearer.flatMap { token in
            token.withUnsafeBytes { IssuedTokenFormat.isWellFormed($0, prefix: IssuedTokenFormat.accessPrefix) } ? keys.fingerprint(of: token) : nil
        }
        let peerText = tokenHash.map { "token=" + StoredPrincipal.tokenID(of: $0) } ?? (bearer == nil ? peer.auditText : "token=malformed")
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
                match =
                    try PrincipalTable.byMatch(db, kind: "uid", id: Int64(peer.uid)) ?? PrincipalTable.byMatch(db, kind: "gid", id: Int64(peer.gid))
            }
            guard let (stored, newest) = match else { return nil }
            return try checkedPrincipals.principal(of: stored, newestEvent: newest, stateAuthenticator)
        }
        guard let principal = found else {
            try unproven.audited(AuditRecord(.authenticate)) { _, _, _ throws in
                throw Refusal(
                    error: VaultError(.unauthenticated, "the caller is not a principal of this vault"),
                    outcome: .denied, reason: bearer == nil ? "no principal for the peer" : "unknown access token"
                )
            }
            throw VaultError(.unauthenticated, "the caller is not a principal of this vault")
        }
        return (principal, peerText)
    }
}
