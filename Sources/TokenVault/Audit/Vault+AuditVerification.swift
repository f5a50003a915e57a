internal import TokenVaultStore

extension Vault {
    /// Verifies the whole audit trail with the vault's audit key: every event present in order,
    /// matching its hash, with a valid MAC.
    ///
    /// ```swift
    /// let report = try vault.verifyAuditTrail()
    /// if let problem = report.problem { alert(problem.description) }
    /// ```
    ///
    /// An intact report proves no event was edited, inserted, deleted or reordered, except that
    /// events cut off the *end* of the trail leave no trace without a seal (see
    /// ``sealAuditTrail()`` and docs/audit-format.md).
    ///
    /// Then the vault's state is checked against the trail: every credential, grant, version
    /// and name row for its MAC and its freshness, and for rows deleted or added; the first bad
    /// row is named, with its table and credential (``AuditProblem/Kind/stateForged``,
    /// ``AuditProblem/Kind/stateStale``, ``AuditProblem/Kind/stateMissing``). A chain problem
    /// is named first.
    ///
    /// The trail is read in one snapshot, in parts checked in parallel (two per processor), each
    /// on its own connection to the vault file; the state likewise, in ranges of credentials.
    public func verifyAuditTrail() throws(VaultError) -> AuditReport {
        try requireAdmin()
        return try verifyAuditTrail(parts: AuditChainWalker.defaultParts)
    }

    /// ``verifyAuditTrail()`` in a given number of parts (tests split small trails).
    func verifyAuditTrail(parts: Int) throws(VaultError) -> AuditReport {
        let keys = self.keys
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = configuration.busyTimeoutMilliseconds
        let chain = try Vault.mapErrors {
            try AuditChainWalker.walk(location: location, options: options, vaultID: keys.vaultID, auditKey: keys.auditKey, seal: nil, parts: parts)
        }
        let state = try Vault.mapErrors { try StateVerifier.check(location: location, options: options, keys: keys, parts: parts) }
        return AuditReport(chain: chain, state: state)
    }
}

extension AuditReport {
    /// The report of a verification: the chain's, with the state's first violation when the chain
    /// has no problem.
    init(chain: AuditReport, state: StateVerifier.Result) {
        self.init(
            eventsChecked: chain.eventsChecked, headHash: chain.headHash,
            problem: chain.problem ?? state.violation.map(AuditProblem.init(state:)),
            eventsAfterSeal: nil, credentialsChecked: state.credentialsChecked
        )
    }
}
