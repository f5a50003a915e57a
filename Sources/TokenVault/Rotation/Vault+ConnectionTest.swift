internal import TokenVaultStore

extension Vault {
    /// Runs a connection test: the hook gets the current secret on its standard
    /// input (`TOKENVAULT_STEP=test`) and exits 0 when the connection works. The result and its
    /// time are kept on the credential (``Credential/lastTest``) and audited.
    ///
    /// - Throws: ``VaultError/Kind/notFound``; ``VaultError/Kind/denied`` for a revoked,
    ///   expired or issued credential. A failing test is not an error: see the result.
    public func testConnection(_ name: String, hook: RotationHook) throws(VaultError) -> ConnectionTestResult {
        let name = try Labels.name(name)
        let (loaded, secret) = try audited(AuditRecord(.test, name: name)) { db, now, record in
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
            return (loaded, current.secret)
        }
        let runner = HookRunner(hook: hook, credential: loaded.credential, version: Int64(loaded.credential.currentVersion ?? 0))
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
