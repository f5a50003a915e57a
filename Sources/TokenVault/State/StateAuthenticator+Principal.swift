internal import TokenVaultCrypto

extension StateAuthenticator {
    /// The MAC of a principal's row under `seq`.
    func mac(of principal: StoredPrincipal, seq: Int64) -> [UInt8] { mac.authenticate(encoding(of: principal, seq: seq)) }

    /// Checks a principal's row: its MAC, and that it holds the state of `newestEvent`, the
    /// principal's newest state-changing event in the trail (every principal was created by one).
    func check(_ principal: StoredPrincipal, newestEvent: Int64?) throws(StateViolation) {
        try check(
            "principals", of: principal.name, seq: principal.stateSeq, mac: principal.stateMAC, expectedSeq: newestEvent ?? -1
        ) { encoding(of: principal, seq: $0) }
    }

    /// A principal row's encoding: the table's domain, the vault id, the principal's id and
    /// every value the service's decisions depend on.
    private func encoding(of principal: StoredPrincipal, seq: Int64) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/state/principal")
        encoder.append(vaultID)
        encoder.append(principal.uid)
        encoder.append(principal.name)
        encoder.append(principal.matchKind)
        encoder.append(principal.matchID)
        // Schema 10's column, only where it is set: every older row encodes exactly as before.
        if let text = principal.matchText { encoder.append(text) }
        encoder.append(principal.tokenHash)
        encoder.append(principal.admin)
        encoder.append(principal.allow)
        encoder.append(principal.createdAt)
        encoder.append(seq)
        return encoder.bytes
    }
}
