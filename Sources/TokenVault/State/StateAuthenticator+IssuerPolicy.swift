internal import TokenVaultCrypto

extension StateAuthenticator {
    /// The MAC of an issuer policy's row under `seq`.
    func mac(of policy: StoredIssuerPolicy, seq: Int64) -> [UInt8] { mac.authenticate(encoding(of: policy, seq: seq)) }

    /// Checks an issuer policy's row: its MAC, and that it holds the state of `newestEvent`, the
    /// policy's newest state-changing event in the trail (every policy row was written by one).
    func check(_ policy: StoredIssuerPolicy, newestEvent: Int64?) throws(StateViolation) {
        try check(
            "issuer_policies", of: policy.issuer, seq: policy.stateSeq, mac: policy.stateMAC, expectedSeq: newestEvent ?? -1
        ) { encoding(of: policy, seq: $0) }
    }

    /// A policy row's encoding: the table's domain, the vault id, the issuer, the longest
    /// lifetime (null once removed), the date it applies from and the sealing event.
    private func encoding(of policy: StoredIssuerPolicy, seq: Int64) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/state/issuer-policy")
        encoder.append(vaultID)
        encoder.append(policy.issuer)
        encoder.append(policy.maxLifetime)
        encoder.append(policy.since)
        encoder.append(seq)
        return encoder.bytes
    }
}
