extension Vault {
    /// Records that the service refused a connection before any principal could be looked up:
    /// the transport already knows the caller is not one it serves (a peer of the credentials
    /// socket that is not root, or whose socket name is not systemd's request).
    ///
    /// The event is the one ``authenticate(peer:bearer:)`` writes for a caller that maps to no
    /// principal: action `authenticate`, outcome `denied`, actor `unauthenticated`, the peer's
    /// ``PeerIdentity/auditText``, and `reason`. Whoever this handle acts as, the event is never
    /// recorded as its actor.
    ///
    /// ```swift
    /// guard peer.uid == 0 else {
    ///     try vault.auditRefusedConnection(from: PeerIdentity(uid: peer.uid, gid: peer.gid, pid: peer.pid), reason: "credentials socket: peer is not root")
    ///     return
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - peer: who connected, as the kernel reported it.
    ///   - reason: a short, fixed explanation (cleaned and cut to 100 characters); never a value
    ///     the peer sent.
    /// - Throws: ``VaultError/Kind/busy`` or ``VaultError/Kind/failed`` when the event cannot be
    ///   written; nothing else (the refusal itself is not an error of this call).
    public func auditRefusedConnection(from peer: PeerIdentity, reason: String) throws(VaultError) {
        try with(caller: .unauthenticated(peer: peer.auditText)).auditAuthenticationRefusal(printable(reason, limit: 100))
    }

    /// Writes the `authenticate` refusal (outcome `denied`, `reason`) of a caller that proved no
    /// principal, as this handle's caller: made with `.unauthenticated(peer:)`, never the
    /// server's own actor.
    ///
    /// - Throws: ``VaultError/Kind/busy`` or ``VaultError/Kind/failed`` when the event cannot be
    ///   written; the refusal itself is not thrown.
    func auditAuthenticationRefusal(_ reason: String) throws(VaultError) {
        do throws(VaultError) {
            try audited(AuditRecord(.authenticate)) { _, _, _ throws in
                throw Refusal(error: VaultError(.unauthenticated, "refused"), outcome: .denied, reason: reason)
            }
        } catch let error where error.kind == .unauthenticated {
            return
        }
    }
}
