internal import TokenVaultCrypto

/// Computes and checks the MACs of the vault's authenticated state (docs/security-model.md).
///
/// Each MAC is HMAC-SHA256 under the *state key* (derived from the vault's MAC key with the label
/// `tokenvault/v1/state`) of a canonical encoding of: a domain naming the table, the vault id,
/// the row's identity (the credential's uid and row id, the version number, the name), every
/// value a decision, an output or a hook depends on, and `state_seq`, the sequence number of the
/// audit event that last changed the credential. A row copied to another credential, another
/// vault or another table, or edited in any covered column, fails its MAC.
///
/// Freshness is the reader's second check: a credential's `state_seq` must be the newest
/// state-changing event of that credential in the trail (or the vault's state epoch, for a
/// credential untouched since the upgrade that sealed it), and every row of the credential must
/// carry the same `state_seq`.
struct StateAuthenticator {
    let vaultID: [UInt8]
    let mac: any StateMAC
    /// The sequence number of the event that sealed a vault upgraded from schema 5; 0 for a
    /// vault created with authenticated state.
    let epoch: Int64
    /// Credential rows already checked by this vault, or nil to check every row in full.
    let checked: CheckedRows?

    init(keys: Keyring, epoch: Int64, checked: CheckedRows? = nil) {
        self.init(vaultID: keys.vaultID, mac: keys.stateMAC, epoch: epoch, checked: checked)
    }

    /// - Parameter mac: the state key, shared by threads (``KeyedHMAC``), or one context that
    ///   one thread reuses for a long loop (``HMACContext``, as `audit verify` does).
    init(vaultID: [UInt8], mac: any StateMAC, epoch: Int64, checked: CheckedRows? = nil) {
        self.vaultID = vaultID
        self.mac = mac
        self.epoch = epoch
        self.checked = checked
    }

    // MARK: - MACs

    func mac(of credential: StoredCredential, seq: Int64) -> [UInt8] { mac.authenticate(encoding(of: credential, seq: seq)) }

    func mac(of version: StoredVersion, uid: String, seq: Int64) -> [UInt8] { mac.authenticate(encoding(of: version, uid: uid, seq: seq)) }

    func mac(of name: StoredName, uid: String, seq: Int64) -> [UInt8] { mac.authenticate(encoding(of: name, uid: uid, seq: seq)) }

    func mac(of meta: StoredMeta) -> [UInt8] { mac.authenticate(encoding(of: meta)) }

    /// Whether `stored` is the MAC of the meta row.
    func isValid(_ stored: [UInt8], for meta: StoredMeta) -> Bool {
        mac.isValidAuthenticationCode(stored, authenticating: encoding(of: meta))
    }

    // MARK: - Encodings

    private func encoding(of credential: StoredCredential, seq: Int64) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/state/credential")
        encoder.append(vaultID)
        encoder.append(credential.rowID)
        encoder.append(credential.uid)
        encoder.append(credential.name)
        encoder.append(credential.kind)
        encoder.append(credential.legacy)
        encoder.append(credential.description)
        encoder.append(credential.issuer)
        encoder.append(credential.apiURL)
        encoder.append(credential.createdAt)
        encoder.append(credential.expiresAt)
        encoder.append(credential.revokedAt)
        encoder.append(credential.deletedAt)
        encoder.append(credential.lastTestAt)
        encoder.append(credential.lastTestOK)
        encoder.append(credential.lastTestDetail)
        encoder.append(credential.currentVersion)
        encoder.append(Int64(credential.grants.count))
        for grant in credential.grants {
            encoder.append(grant.project)
            encoder.append(grant.resource)
            encoder.append(grant.permissions)
        }
        encoder.append(seq)
        // Schema 8: only when set, so that a row without a hook keeps the MAC it had. The
        // encoding stays unambiguous: it then has two fields more.
        if let hook = credential.hook {
            encoder.append("hook")
            encoder.append(hook)
        }
        return encoder.bytes
    }

    private func encoding(of version: StoredVersion, uid: String, seq: Int64) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/state/secret-version")
        encoder.append(vaultID)
        encoder.append(uid)
        encoder.append(version.credentialRowID)
        encoder.append(version.version)
        encoder.append(version.state)
        encoder.append(version.keyID)
        encoder.append(version.fingerprint)
        encoder.append(version.createdAt)
        encoder.append(version.validUntil)
        encoder.append(version.retireOnFirstUseOf)
        encoder.append(version.firstUsedAt)
        encoder.append(seq)
        // Schema 8: only when any is set, as for the credential's hook.
        let upstream = version.upstream
        if !upstream.isEmpty {
            encoder.append("upstream")
            encoder.append(upstream.id)
            encoder.append(upstream.expiresAt)
            encoder.append(upstream.owedStep)
            encoder.append(upstream.attempts)
            encoder.append(upstream.detail)
            encoder.append(upstream.closedAt)
        }
        return encoder.bytes
    }

    private func encoding(of name: StoredName, uid: String, seq: Int64) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/state/name")
        encoder.append(vaultID)
        encoder.append(uid)
        encoder.append(name.name)
        encoder.append(name.namedAt)
        encoder.append(seq)
        return encoder.bytes
    }

    private func encoding(of meta: StoredMeta) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/state/vault-meta")
        encoder.append(vaultID)
        encoder.append(meta.vaultID)
        encoder.append(meta.createdAt)
        encoder.append(meta.kekKind)
        encoder.append(meta.salt)
        encoder.append(meta.n)
        encoder.append(meta.r)
        encoder.append(meta.p)
        encoder.append(meta.epoch)
        return encoder.bytes
    }

    // MARK: - Checks

    /// Checks a credential row: its MAC, and that it holds the state of `newestEvent`, its
    /// credential's newest state-changing event in the trail (nil: none since the epoch).
    func check(_ credential: StoredCredential, newestEvent: Int64?) throws(StateViolation) {
        let expectedSeq = max(newestEvent ?? 0, epoch)
        if let checked, checked.contains(credential) {
            try check("credentials", of: credential.label, seq: credential.stateSeq, expectedSeq: expectedSeq)
            return
        }
        try check(
            "credentials", of: credential.label, seq: credential.stateSeq, mac: credential.stateMAC, expectedSeq: expectedSeq
        ) { encoding(of: credential, seq: $0) }
        checked?.insert(credential)
    }

    /// Checks a version row of `credential`, which has passed ``check(_:newestEvent:)``.
    func check(_ version: StoredVersion, of credential: StoredCredential) throws(StateViolation) {
        guard version.credentialRowID == credential.rowID else {
            throw StateViolation(table: "secret_versions", credential: credential.label, problem: .forged)
        }
        try check(
            "secret_versions", of: credential.label, seq: version.stateSeq, mac: version.stateMAC,
            expectedSeq: credential.stateSeq ?? 0
        ) { encoding(of: version, uid: credential.uid, seq: $0) }
    }

    /// Checks a name_history row of `credential`, which has passed ``check(_:newestEvent:)``.
    func check(_ name: StoredName, of credential: StoredCredential) throws(StateViolation) {
        try check(
            "name_history", of: credential.label, seq: name.stateSeq, mac: name.stateMAC, expectedSeq: credential.stateSeq ?? 0
        ) { encoding(of: name, uid: credential.uid, seq: $0) }
    }

    /// The one check of every row: a MAC that matches the row's values under its own
    /// `state_seq` (else forged), then that `state_seq` is the one expected (else stale).
    func check(
        _ table: String, of credential: String, seq: Int64?, mac stored: [UInt8]?, expectedSeq: Int64,
        encoding: (Int64) -> [UInt8]
    ) throws(StateViolation) {
        guard let seq, let stored, mac.isValidAuthenticationCode(stored, authenticating: encoding(seq)) else {
            throw StateViolation(table: table, credential: credential, problem: .forged)
        }
        try check(table, of: credential, seq: seq, expectedSeq: expectedSeq)
    }

    /// The freshness half of a check, for a row whose MAC is known to be valid.
    private func check(_ table: String, of credential: String, seq: Int64?, expectedSeq: Int64) throws(StateViolation) {
        guard let seq, seq == expectedSeq else {
            throw StateViolation(table: table, credential: credential, problem: .stale(found: seq, expected: expectedSeq))
        }
    }
}

/// HMAC-SHA256 under the state key: a key every thread shares, or a context one thread reuses.
protocol StateMAC: AnyObject {
    func authenticate(_ message: [UInt8]) -> [UInt8]
    func isValidAuthenticationCode(_ code: [UInt8], authenticating message: [UInt8]) -> Bool
}

extension KeyedHMAC: StateMAC {}
extension HMACContext: StateMAC {}
