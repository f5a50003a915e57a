internal import TokenVaultStore

extension Vault {
    /// Runs a connection test: the hook gets the current secret on its standard
    /// input (`TOKENVAULT_STEP=test`) and exits 0 when the connection works. The result and its
    /// time are kept on the credential (``Credential/lastTest``) and audited.
    ///
    /// ```swift
    /// let result = try vault.testConnection("erp-prod", hook: nil)  // the credential's own hook
    /// ```
    ///
    /// - Parameters:
    ///   - hook: the hook to run; nil runs the credential's own (``Credential/hook``).
    ///   - timeoutSeconds: for its own hook, the time limit of the step.
    /// - Throws: ``VaultError/Kind/notFound``; ``VaultError/Kind/denied`` for a revoked,
    ///   expired or issued credential; ``VaultError/Kind/invalidInput`` when there is no hook to
    ///   run, or its program is not an executable file. A failing test is not an error: see the
    ///   result.
    public func testConnection(_ name: String, hook: RotationHook?, timeoutSeconds: Int64 = 60) throws(VaultError) -> ConnectionTestResult {
        let name = try Labels.name(name)
        let own = try reading { db, _ in try CredentialRecords.live(named: name, db, stateAuthenticator)?.credential.hook }
        guard let hook = hook ?? own.map({ RotationHook(command: $0, timeoutSeconds: timeoutSeconds) }) else {
            try audited(AuditRecord(.test, name: name)) { db, _, _ in
                guard try CredentialRecords.live(named: name, db, stateAuthenticator) != nil else { throw Refusal.notFound(name) }
                throw VaultError.invalid("credential '\(printable(name))' has no hook of its own: give --hook, or add one with edit --hook")
            }
            throw .failed("unreachable: the test had no hook")
        }
        try hook.validate()
        let (loaded, secret, current) = try audited(AuditRecord(.test, name: name)) { db, now, record in
            let authenticator = stateAuthenticator
            guard let loaded = try CredentialRecords.live(named: name, db, authenticator) else { throw Refusal.notFound(name) }
            record.credentialID = loaded.credential.id
            try Vault.checkUsable(loaded.credential, need: .any, now: now)
            guard loaded.credential.kind == .stored,
                let current = try Rotation.open(SecretVersions.readCurrent(of: loaded, db, authenticator), of: loaded, keys: keys)
            else {
                throw Refusal.denied(
                    "credential '\(printable(name))' is an issued token: there is no stored secret to test",
                    reason: "issued token has no stored secret")
            }
            record.version = current.version
            record.reason = "current version handed to the test hook"
            let upstreamID = try SecretVersions.read(of: loaded, version: current.version, db, authenticator)?.upstream.id
            return (loaded, current.secret, (current.version, upstreamID))
        }
        // Probed once the credential's state has been checked and the hand-out audited.
        let runner = HookRunner(
            hook: hook, protocolVersion: try HookProtocol.probe(hook), credential: loaded.credential,
            context: HookContext(version: current.0, expiresAt: loaded.credential.expiresAt, upstreamID: current.1)
        )
        let outcome = try runner.run(.test, input: secret)
        let detail: String
        switch outcome {
        case .success: detail = "passed"
        case .failure(let failure): detail = failure.detail
        }
        let passed = detail == "passed"
        return try audited(AuditRecord(.test, credentialID: loaded.credential.id, name: name)) { db, now, record in
            try changingState(of: loaded.rowID, db, &record) { _ in
                try CredentialTable.recordConnectionTest(db, loaded.rowID, at: now, passed: passed, detail: detail)
            }
            record.outcome = passed ? .ok : .error
            record.reason = passed ? "connection test passed" : "connection test failed: \(detail)"
            return ConnectionTestResult(passed: passed, detail: detail, testedAt: now)
        }
    }
}
