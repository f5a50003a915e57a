internal import TokenVault

/// One write path under faults: how to run it on a vault opened through the fault VFS, and how
/// to tell, on the vault reopened afterwards, whether it was applied.
struct FaultOperation: Sendable {
    /// What the operation handed back when it returned: a secret, a token, a seal.
    struct Acknowledgement: Sendable {
        var secret: Secret?
        var seal: AuditSeal?
    }

    /// What the reopened vault holds of the operation.
    enum Outcome: Equatable {
        /// Entirely applied.
        case applied
        /// Not at all.
        case absent
        /// A state between the two that the operation is built to leave and resume from (a
        /// rotation through a hook between its steps); only for operations made of several steps.
        case resumable
        /// Anything else: half applied.
        case broken(String)
    }

    let name: String
    /// Whether the operation is several transactions (a hook rotation), so that a state between
    /// them is no half-application.
    var isMultiStep = false
    /// Whether the operation hands out a secret or checks a token, so that an acknowledged run
    /// must have left its audit event.
    var handsOutSecret = false
    /// Whether the operation changes the vault's key to the fixture's new key file: the reopened
    /// vault then tells by which key opens it.
    var rekeys = false
    let perform: @Sendable (Vault, FaultFixture) throws -> Acknowledgement
    let check: @Sendable (Vault, FaultFixture, Acknowledgement?) throws -> Outcome
}

extension Secret {
    /// Whether the secret's bytes are those of `text`.
    func holds(_ text: String) -> Bool {
        withUnsafeBytes { Array($0) == Array(text.utf8) }
    }
}

extension FaultOperation {
    /// Every write path of the vault, each on the fixture's credentials.
    static let all: [FaultOperation] = [
        FaultOperation(
            name: "add",
            perform: { vault, _ in
                _ = try vault.add(
                    NewCredential(name: "new", scope: Scope([Grant(parsing: "shop:orders:r")]), expiry: .after(seconds: 86_400)),
                    secret: Secret(copying: Array("new-secret".utf8)))
                return Acknowledgement()
            },
            check: { vault, _, _ in
                try exists(vault, "new") ? (try vault.fetch("new").secret.holds("new-secret") ? .applied : .broken("wrong secret")) : .absent
            }
        ),
        FaultOperation(
            name: "issue",
            perform: { vault, _ in
                let issued = try vault.issue(
                    NewCredential(name: "minted", scope: Scope([Grant(parsing: "billing:invoices:r")]), expiry: .after(seconds: 86_400)))
                return Acknowledgement(secret: issued.token)
            },
            check: { vault, _, acknowledged in
                guard try exists(vault, "minted") else { return .absent }
                if let token = acknowledged?.secret { _ = try vault.verify(token) }
                return .applied
            }
        ),
        FaultOperation(
            name: "get", handsOutSecret: true,
            perform: { vault, _ in Acknowledgement(secret: try vault.fetch("erp").secret) },
            check: { vault, fixture, _ in try events(vault, "fetch", "erp") > fixture.fetchEvents ? .applied : .absent }
        ),
        FaultOperation(
            name: "verify", handsOutSecret: true,
            perform: { vault, fixture in
                _ = try vault.verify(fixture.issuedToken)
                return Acknowledgement()
            },
            check: { vault, fixture, _ in try events(vault, "verify", "api") > fixture.verifyEvents ? .applied : .absent }
        ),
        FaultOperation(
            name: "rotate",
            perform: { vault, _ in
                _ = try vault.rotate("erp", from: .secret(Secret(copying: Array("erp-secret-2".utf8))))
                return Acknowledgement()
            },
            check: { vault, _, _ in
                let secret = try vault.fetch("erp").secret
                return secret.holds("erp-secret-2") ? .applied : secret.holds("erp-secret-1") ? .absent : .broken("neither secret")
            }
        ),
        FaultOperation(
            name: "rotate-minted",
            perform: { vault, _ in Acknowledgement(secret: try vault.rotate("api", from: .mint).mintedToken) },
            check: { vault, fixture, acknowledged in
                let version = try vault.show("api").credential.currentVersion
                if version == 2 {
                    if let token = acknowledged?.secret { _ = try vault.verify(token) }
                    return .applied
                }
                _ = try vault.verify(fixture.issuedToken)
                return version == 1 ? .absent : .broken("version \(version.map(String.init) ?? "none")")
            }
        ),
        FaultOperation(
            name: "rotate-hook", isMultiStep: true,
            perform: { vault, fixture in
                _ = try vault.rotate("hooked", from: .hook(RotationHook(command: fixture.hook)))
                return Acknowledgement()
            },
            check: { vault, fixture, _ in
                let details = try vault.show("hooked")
                let secret = try vault.fetch("hooked").secret
                let owes = details.versions.contains { $0.waiting != nil }
                if secret.holds("hooked-new") { return owes ? .resumable : .applied }
                guard secret.holds("hooked-old") else { return .broken("neither secret") }
                // The next run resumes or starts again, and ends with the new secret.
                _ = fixture
                return details.versions.count == 1 && !owes ? .absent : .resumable
            }
        ),
        FaultOperation(
            name: "revoke",
            perform: { vault, _ in
                try vault.revoke("erp", atIssuer: false)
                return Acknowledgement()
            },
            check: { vault, _, _ in try vault.show("erp").credential.revokedAt != nil ? .applied : .absent }
        ),
        FaultOperation(
            name: "delete",
            perform: { vault, _ in
                try vault.delete("erp", atIssuer: false)
                return Acknowledgement()
            },
            check: { vault, _, _ in
                guard try exists(vault, "erp") else { return .applied }
                return try vault.fetch("erp").secret.holds("erp-secret-1") ? .absent : .broken("wrong secret")
            }
        ),
        FaultOperation(
            name: "rename",
            perform: { vault, _ in
                try vault.rename("erp", to: "erp-renamed")
                return Acknowledgement()
            },
            check: { vault, _, _ in
                switch (try exists(vault, "erp"), try exists(vault, "erp-renamed")) {
                case (false, true): return .applied
                case (true, false): return .absent
                default: return .broken("both names or neither")
                }
            }
        ),
        FaultOperation(
            name: "edit",
            perform: { vault, fixture in
                var change = CredentialEdit()
                change.expiry = .at(fixture.editedExpiry)
                _ = try vault.edit("erp", change)
                return Acknowledgement()
            },
            check: { vault, fixture, _ in
                let expiry = try vault.show("erp").credential.expiresAt
                return expiry == fixture.editedExpiry ? .applied : expiry == fixture.erpExpiry ? .absent : .broken("another expiry")
            }
        ),
        FaultOperation(
            name: "rotate-data-key",
            perform: { vault, _ in
                _ = try vault.rotateDataKey()
                return Acknowledgement()
            },
            // Either key holds the secret; what must not happen is a secret no key opens.
            check: { vault, _, _ in try vault.fetch("erp").secret.holds("erp-secret-1") ? .applied : .broken("wrong secret") }
        ),
        FaultOperation(
            name: "audit-seal",
            perform: { vault, _ in Acknowledgement(seal: try vault.sealAuditTrail()) },
            check: { vault, _, acknowledged in
                guard try events(vault, "seal", nil) > 0 else { return .absent }
                guard let seal = acknowledged?.seal else { return .applied }
                let report = try AuditSealVerifier.verify(vaultAt: vault.path, seal: seal, publicKey: seal.publicKey)
                return report.isIntact ? .applied : .broken("the acknowledged seal does not verify")
            }
        ),
        FaultOperation(
            name: "rekey", rekeys: true,
            perform: { vault, fixture in
                try vault.rekey(to: .keyFile(fixture.newKeyFile))
                return Acknowledgement()
            },
            // The campaign knows which key opened the vault; either way the secret is there.
            check: { vault, _, _ in try vault.fetch("erp").secret.holds("erp-secret-1") ? .applied : .broken("wrong secret") }
        ),
        FaultOperation(
            name: "principal-add",
            perform: { vault, _ in
                _ = try vault.addPrincipal("connector", recognisedBy: .uid(4_343), allow: [AllowEntry(parsing: "erp:*:*:r")])
                return Acknowledgement()
            },
            check: { vault, _, _ in
                do {
                    _ = try vault.principal(named: "connector")
                    return .applied
                } catch let error as VaultError where error.kind == .notFound {
                    return .absent
                }
            }
        ),
        FaultOperation(
            name: "principal-remove",
            perform: { vault, _ in
                try vault.removePrincipal("svc")
                return Acknowledgement()
            },
            check: { vault, _, _ in
                do {
                    _ = try vault.principal(named: "svc")
                    return .absent
                } catch let error as VaultError where error.kind == .notFound {
                    return .applied
                }
            }
        ),
    ]

    /// Whether a live credential has `name`.
    static func exists(_ vault: Vault, _ name: String) throws -> Bool {
        do {
            _ = try vault.show(name)
            return true
        } catch  where error.kind == .notFound {
            return false
        }
    }

    /// The audit events of `action` with outcome `ok` for the credential named `name`.
    static func events(_ vault: Vault, _ action: String, _ name: String?) throws -> Int {
        var filter = AuditFilter()
        filter.action = action
        filter.credentialName = name
        filter.outcome = .ok
        var count = 0
        try vault.forEachAuditEvent(filter) { _ in count += 1 }
        return count
    }
}
