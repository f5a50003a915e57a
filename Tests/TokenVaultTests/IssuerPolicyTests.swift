import Foundation
import Testing

@testable import TokenVault

/// Issuer policies: the longest lifetime an issuer allows, kept as authenticated state, enforced
/// by every write of a token's expiry and flagged by `report` and `expiring`.
@Suite("Issuer policies")
struct IssuerPolicyTests {
    static let day: Int64 = 86_400

    func credential(_ name: String, issuer: String?, days: Int64?) throws -> NewCredential {
        var new = try newCredential(name, "shop:orders:r", expiresIn: days.map { $0 * Self.day })
        new.issuer = issuer
        return new
    }

    func eventCount(_ t: TestVault) throws -> Int64 { try t.sql("SELECT count(*) FROM audit_events")[0].int64(0) ?? 0 }

    @Test func aNewVaultStartsWithTheERPRule() throws {
        let t = try TestVault()
        let policies = try t.vault.issuerPolicies()
        #expect(policies == [IssuerPolicy.erpDefault])
        #expect(policies.first?.issuer == "xentral" && policies.first?.maxLifetimeSeconds == 180 * Self.day)
        #expect(policies.first.map { TimeFormat.iso8601($0.since) } == "2026-12-01T00:00:00Z")
        #expect(policies.first?.description == "issuer 'xentral' allows at most 180 days since 2026-12-01")
        let event = try t.sql("SELECT seq, action, credential_uid, credential_name, changes_state FROM audit_events WHERE seq = 2")
        #expect(event.first?.string(1) == "policy-set" && event.first?.string(2) == "policy:xentral" && event.first?.string(3) == "xentral")
        #expect(event.first?.int64(4) == 1)
        #expect(try t.sql("SELECT state_seq FROM issuer_policies WHERE issuer = 'xentral'").first?.int64(0) == 2)
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    /// A vault of an earlier schema gets no policy by its upgrade; the documented command adds
    /// the ERP's rule.
    @Test func anUpgradedVaultHasNoPolicyUntilOneIsSet() throws {
        let copy = try StateUpgradeTests.Copy()
        let vault = try copy.open()
        #expect(try vault.issuerPolicies().isEmpty)
        _ = try vault.add(credential("policy-free", issuer: "xentral", days: 365), secret: Secret("s"))
        try vault.setIssuerPolicy("xentral", maxLifetime: 180 * Self.day, since: TimeFormat.parseDate("2026-12-01"))
        #expect(try vault.issuerPolicies() == [IssuerPolicy.erpDefault])
        #expect(errorKind { _ = try vault.add(credential("policy-bound", issuer: "xentral", days: 365), secret: Secret("s")) } == .invalidInput)
        #expect(try vault.report().overPolicy.map(\.credential.name).contains("policy-free"))
        #expect(try vault.verifyAuditTrail().isIntact)
    }

    @Test func addAndIssueRefuseALongerLifetimeAndStoreNothing() throws {
        let t = try TestVault()
        let before = try eventCount(t)
        for issuer in ["xentral", "Xentral", "XENTRAL"] {
            let error = #expect(throws: VaultError.self) { try t.vault.add(credential("erp", issuer: issuer, days: 181), secret: Secret("s")) }
            #expect(error?.kind == .invalidInput)
            #expect(error?.message == "issuer 'xentral' allows at most 180 days since 2026-12-01 (policy); give --expires-in 180d or less")
        }
        #expect(errorKind { _ = try t.vault.add(credential("erp", issuer: "xentral", days: nil), secret: Secret("s")) } == .invalidInput)
        // Refused as bad input: nothing stored, nothing audited.
        #expect(try t.vault.list().isEmpty)
        #expect(try eventCount(t) == before)

        _ = try t.vault.add(credential("erp", issuer: "Xentral", days: 180), secret: Secret("s"))
        _ = try t.vault.add(credential("other", issuer: "acme", days: 365), secret: Secret("s"))
        var legacy = NewCredential.legacy(name: "old")
        legacy.issuer = "xentral"
        _ = try t.vault.add(legacy, secret: Secret("s"))  // legacy tokens are exempt

        try t.vault.setIssuerPolicy("acme", maxLifetime: 30 * Self.day)
        #expect(errorKind { _ = try t.vault.issue(credential("svc", issuer: "acme", days: 31)) } == .invalidInput)
        #expect(try t.vault.issue(credential("svc", issuer: "ACME", days: 30)).credential.issuer == "ACME")
    }

    @Test func tokensCreatedBeforeSinceAreExempt() throws {
        let clock = TestClock(1_780_000_000)  // 2026-05-28, before the ERP's rule
        let t = try TestVault(clock: clock)
        _ = try t.vault.add(credential("erp", issuer: "xentral", days: 365), secret: Secret("v1"))
        clock.advance(200 * Self.day)  // past 2026-12-01
        // Editing the labels of an exempt token is fine: its secret predates the policy.
        var labels = CredentialEdit()
        labels.issuer = "XENTRAL"
        _ = try t.vault.edit("erp", labels)
        #expect(try t.vault.report().overPolicy.isEmpty)
        // A rotation keeps the old lifetime (365 days), which the policy no longer allows.
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .secret(Secret("v2"))) } == .invalidInput)
        #expect(try t.vault.fetch("erp").secret.text == "v1")
        let rotated = try t.vault.rotate("erp", from: .secret(Secret("v2")), policy: RotationPolicy(expiry: .after(seconds: 90 * Self.day)))
        #expect(rotated.version == 2)
    }

    @Test func editAndRotateRefuseALongerLifetime() throws {
        let t = try TestVault()
        _ = try t.vault.add(credential("erp", issuer: "xentral", days: 90), secret: Secret("v1"))
        _ = try t.vault.add(credential("gh", issuer: "github", days: 365), secret: Secret("g1"))
        var longer = CredentialEdit()
        longer.expiry = .after(seconds: 200 * Self.day)
        #expect(errorKind { _ = try t.vault.edit("erp", longer) } == .invalidInput)
        longer.expiry = .never
        #expect(errorKind { _ = try t.vault.edit("erp", longer) } == .invalidInput)
        var moved = CredentialEdit()
        moved.issuer = "xentral"  // a 365-day token moved under the policy
        #expect(errorKind { _ = try t.vault.edit("gh", moved) } == .invalidInput)
        #expect(try t.vault.show("gh").credential.issuer == "github")
        var labelsOnly = CredentialEdit()
        labelsOnly.description = "unrelated"
        _ = try t.vault.edit("gh", labelsOnly)

        let refused = RotationPolicy(expiry: .after(seconds: 181 * Self.day))
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .secret(Secret("v2")), policy: refused) } == .invalidInput)
        #expect(try t.vault.fetch("erp").secret.text == "v1")
        #expect(try t.vault.rotate("erp", from: .secret(Secret("v2"))).version == 2)  // same 90-day lifetime

        // Through a hook: refused before its create step runs, so nothing is created at the issuer.
        let marker = t.directory.file("hook-ran")
        let hook = hookScript(t.directory, "[ \"$TOKENVAULT_STEP\" = create ] && touch '\(marker)'; echo NEW")
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)), policy: refused) } == .invalidInput)
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(try t.vault.show("erp").credential.currentVersion == 2)
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    /// A hook's issuer may report the token's real expiry: the vault records it as it is, even
    /// past the policy, and flags it.
    @Test func anExpiryTheIssuerReportsIsRecordedAndFlagged() throws {
        let t = try TestVault()
        _ = try t.vault.add(credential("erp", issuer: "xentral", days: 90), secret: Secret("v1"))
        let reported = t.clock.now + 365 * Self.day
        let hook = hookScript(
            t.directory,
            """
            case "$TOKENVAULT_STEP" in
              probe) echo protocol=2 ;;
              create) cat >/dev/null; printf 'NEW\\nexpires_at=\(TimeFormat.iso8601(reported))\\n' ;;
              *) cat >/dev/null ;;
            esac
            """)
        let result = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)))
        #expect(result.version == 2 && result.credential.expiresAt == reported)
        #expect(try t.vault.fetch("erp").secret.text == "NEW")
        #expect(try t.vault.report().overPolicy.map(\.credential.name) == ["erp"])
        #expect(try t.vault.expiring(within: 400 * Self.day, critical: 0).first?.overPolicy == IssuerPolicy.erpDefault)
        // The create step's event says so too.
        let created = try t.sql("SELECT reason FROM audit_events WHERE action = 'rotate' AND reason LIKE 'create step done%'")
        #expect(
            created.first?.string(0)?.hasSuffix("; over issuer 'xentral''s policy (at most 180d since 2026-12-01T00:00:00Z)") == true, "\(created)")
    }

    @Test func setReplacesListSortsAndRemoveLeavesATombstone() throws {
        let t = try TestVault()
        let github = try t.vault.setIssuerPolicy("GitHub", maxLifetime: 90 * Self.day)
        #expect(github.issuer == "github" && github.since == 0 && github.description == "issuer 'github' allows at most 90 days")
        try t.vault.setIssuerPolicy("github", maxLifetime: 12 * 3_600, since: 1_700_000_000)
        #expect(try t.vault.issuerPolicies().map(\.issuer) == ["github", "xentral"])
        #expect(try t.vault.issuerPolicies().first?.maxLifetimeText == "12 hours")
        try t.vault.removeIssuerPolicy("GITHUB")
        #expect(try t.vault.issuerPolicies() == [IssuerPolicy.erpDefault])
        #expect(try t.sql("SELECT max_lifetime IS NULL FROM issuer_policies WHERE issuer = 'github'").first?.int64(0) == 1)
        // No policy any more: a long-lived github token is fine again.
        _ = try t.vault.add(credential("gh", issuer: "github", days: 365), secret: Secret("s"))
        #expect(errorKind { try t.vault.removeIssuerPolicy("github") } == .notFound)
        #expect(errorKind { try t.vault.removeIssuerPolicy("nobody") } == .notFound)
        let refusals = try t.sql("SELECT outcome, reason, changes_state FROM audit_events WHERE action = 'policy-remove' AND outcome != 'ok'")
        #expect(refusals.count == 2 && refusals.allSatisfy { $0.string(0) == "denied" && $0.string(1) == "not found" && $0.int64(2) == 0 })
        try t.vault.setIssuerPolicy("github", maxLifetime: 30 * Self.day)
        let reasons = try t.sql("SELECT reason FROM audit_events WHERE credential_uid = 'policy:github' AND outcome = 'ok' ORDER BY seq")
        #expect(
            reasons.map { $0.string(0) ?? "" } == [
                "at most 90d for every token", "at most 12h since 2023-11-14T22:13:20Z; was at most 90d for every token",
                "was at most 12h since 2023-11-14T22:13:20Z", "at most 30d for every token",
            ])
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    @Test func badInputIsRefused() throws {
        let t = try TestVault()
        #expect(errorKind { try t.vault.setIssuerPolicy("acme", maxLifetime: 0) } == .invalidInput)
        #expect(errorKind { try t.vault.setIssuerPolicy("acme", maxLifetime: TimeFormat.maximumDuration + 1) } == .invalidInput)
        #expect(errorKind { try t.vault.setIssuerPolicy("acme", maxLifetime: 60, since: -1) } == .invalidInput)
        #expect(errorKind { try t.vault.setIssuerPolicy(String(repeating: "i", count: 51), maxLifetime: 60) } == .invalidInput)
        #expect(errorKind { try t.vault.setIssuerPolicy("", maxLifetime: 60) } == .invalidInput)
        #expect(errorKind { try t.vault.setIssuerPolicy("bad\nissuer", maxLifetime: 60) } == .invalidInput)
        #expect(try t.vault.issuerPolicies() == [IssuerPolicy.erpDefault])
    }

    @Test func reportAndExpiringFlagTokensOverThePolicy() throws {
        let t = try TestVault()
        _ = try t.vault.add(credential("long", issuer: "GitHub", days: 365), secret: Secret("a"))
        _ = try t.vault.add(credential("short", issuer: "github", days: 30), secret: Secret("b"))
        _ = try t.vault.add(credential("never", issuer: "github", days: nil), secret: Secret("c"))
        _ = try t.vault.add(credential("elsewhere", issuer: "acme", days: 365), secret: Secret("d"))
        #expect(try t.vault.report().overPolicy.isEmpty)
        try t.vault.setIssuerPolicy("github", maxLifetime: 90 * Self.day)

        let report = try t.vault.report()
        #expect(report.overPolicy.map(\.credential.name) == ["long", "never"])
        #expect(report.overPolicy.allSatisfy { $0.policy.issuer == "github" })
        #expect(report.hasRisks)
        let expiring = try t.vault.expiring(within: 400 * Self.day, critical: 7 * Self.day)
        let flagged = Dictionary(uniqueKeysWithValues: expiring.map { ($0.credential.name, $0.overPolicy?.issuer) })
        #expect(flagged == ["long": "github", "short": nil, "never": "github", "elsewhere": nil])
        // Revoked tokens are not flagged.
        try t.vault.revoke("long")
        #expect(try t.vault.report().overPolicy.map(\.credential.name) == ["never"])
    }

    @Test func onlyAdminsManagePoliciesThroughTheService() throws {
        let t = try TestVault()
        let (app, _) = try t.vault.addPrincipal("app", recognisedBy: .uid(4_242), allow: [try AllowEntry(parsing: "*:*:*:r")])
        let (admin, _) = try t.vault.addPrincipal("root", recognisedBy: .uid(4_243), admin: true)
        let asApp = try t.vault.acting(as: app, peer: "uid=4242 pid=1")
        #expect(errorKind { try asApp.setIssuerPolicy("acme", maxLifetime: 60) } == .denied)
        #expect(errorKind { try asApp.removeIssuerPolicy("xentral") } == .denied)
        #expect(errorKind { _ = try asApp.issuerPolicies() } == .denied)
        let asAdmin = try t.vault.acting(as: admin, peer: "uid=4243 pid=1")
        try asAdmin.setIssuerPolicy("acme", maxLifetime: 60)
        #expect(try asAdmin.issuerPolicies().count == 2)
        let denied = try t.sql("SELECT count(*) FROM audit_events WHERE outcome = 'denied' AND reason = 'not an admin'")
        #expect(denied.first?.int64(0) == 3)
    }

    // MARK: - Tampering by a writer without the key

    /// The policy row as a keyless writer leaves it: the next add for the issuer refuses
    /// (integrity, audited), and `audit verify` names the table.
    func expectRefused(_ t: TestVault, _ kind: AuditProblem.Kind, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let vault = try t.reopen()
        let error = #expect(throws: VaultError.self, sourceLocation: sourceLocation) {
            try vault.add(credential("erp", issuer: "xentral", days: 30), secret: Secret("s"))
        }
        #expect(error?.kind == .integrity, sourceLocation: sourceLocation)
        #expect(error?.message.contains("issuer_policies") == true, sourceLocation: sourceLocation)
        let audited = try t.sql("SELECT outcome, reason FROM audit_events WHERE action = 'add' ORDER BY seq DESC LIMIT 1")
        #expect(
            audited.first?.string(0) == "error" && audited.first?.string(1)?.hasPrefix("issuer_policies row") == true, sourceLocation: sourceLocation)
        #expect(try vault.list().isEmpty, sourceLocation: sourceLocation)
        let report = try vault.verifyAuditTrail()
        #expect(report.problem?.kind == kind, sourceLocation: sourceLocation)
        #expect(report.problem?.table == "issuer_policies" && report.problem?.credential == "xentral", sourceLocation: sourceLocation)
        #expect(errorKind { _ = try vault.issuerPolicies() } == .integrity, sourceLocation: sourceLocation)
    }

    @Test func anEditedPolicyIsForged() throws {
        let t = try TestVault()
        _ = try t.sql("UPDATE issuer_policies SET max_lifetime = 3650 * 86400 WHERE issuer = 'xentral'")
        try expectRefused(t, .stateForged)
    }

    @Test func aDeletedPolicyIsMissing() throws {
        let t = try TestVault()
        _ = try t.sql("DELETE FROM issuer_policies")
        try expectRefused(t, .stateMissing)
    }

    @Test func aRestoredOlderPolicyIsStale() throws {
        let t = try TestVault()
        let old = try #require(try t.sql("SELECT max_lifetime, since, state_seq, state_mac FROM issuer_policies").first)
        try t.vault.setIssuerPolicy("xentral", maxLifetime: 30 * Self.day)
        _ = try t.sql(
            "UPDATE issuer_policies SET max_lifetime = ?, since = ?, state_seq = ?, state_mac = ?",
            [old.int64(0), old.int64(1), old.int64(2), old.blob(3)])
        try expectRefused(t, .stateStale)
    }

    @Test func aRemovedPolicyCannotBeBroughtBack() throws {
        let t = try TestVault()
        let old = try #require(try t.sql("SELECT max_lifetime, since, state_seq, state_mac FROM issuer_policies").first)
        try t.vault.removeIssuerPolicy("xentral")
        _ = try t.sql(
            "UPDATE issuer_policies SET max_lifetime = ?, since = ?, state_seq = ?, state_mac = ?",
            [old.int64(0), old.int64(1), old.int64(2), old.blob(3)])
        try expectRefused(t, .stateStale)
    }
}
