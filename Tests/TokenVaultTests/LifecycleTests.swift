import Foundation
import Testing

@testable import TokenVault

@Suite("Credential lifecycle")
struct LifecycleTests {
    @Test func addThenFetchReturnsTheSecretAndAuditsIt() throws {
        let t = try TestVault()
        var new = try newCredential("erp-prod", "shop-de:orders:cr")
        new.issuer = "xentral"
        new.apiURL = "https://erp.example.com/api"
        let added = try t.vault.add(new, secret: Secret("pat-123-secret"))
        #expect(added.name == "erp-prod")
        #expect(added.id.hasPrefix("cred_"))
        #expect(added.currentVersion == 1)
        #expect(added.expiresAt == t.clock.now + 90 * 86_400)

        let fetched = try t.vault.fetch("erp-prod", need: Need(project: "shop-de", resource: "orders", permissions: .read))
        #expect(fetched.secret.text == "pat-123-secret")
        #expect(fetched.version == 1)
        #expect(fetched.warning == nil)

        let shown = try t.vault.show("erp-prod").credential
        #expect(shown.lastUsedBy == "tester")
        #expect(shown.lastUsedAt == t.clock.now)
        #expect(shown.issuer == "xentral")

        let actions = try t.sql("SELECT action, outcome FROM audit_events ORDER BY seq").map { "\($0.string(0)!):\($0.string(1)!)" }
        #expect(actions == ["init:ok", "policy-set:ok", "add:ok", "fetch:ok"])
    }

    @Test func namesAreUniqueBoundedAndPrintable() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s1"))
        #expect(errorKind { _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s2")) } == .invalidInput)
        let fifty = String(repeating: "n", count: 50)
        _ = try t.vault.add(newCredential(fifty, "*:*:r"), secret: Secret("s3"))
        for bad in [
            String(repeating: "n", count: 51), "", "tab\there", "new\nline", "-dash", " padded", "padded ", "ünïcode ", "\u{00A0}nbsp",
            "bidi\u{202E}x",
        ] {
            #expect(errorKind { _ = try t.vault.add(newCredential(bad, "*:*:r"), secret: Secret("s")) } == .invalidInput, "\(bad)")
        }
        // 50 characters counted as characters, not bytes.
        _ = try t.vault.add(newCredential(String(repeating: "ü", count: 50), "*:*:r"), secret: Secret("s4"))
        #expect(try t.vault.list().count == 3)
        // Nothing half-written by the refusals: one add event per success, no more.
        #expect(try t.sql("SELECT count(*) FROM audit_events WHERE action = 'add'")[0].int64(0) == 3)
    }

    @Test func emptyOrOversizedSecretIsRefused() throws {
        let t = try TestVault()
        #expect(errorKind { _ = try t.vault.add(newCredential("x", "*:*:r"), secret: Secret("")) } == .invalidInput)
        let huge = Secret(copying: [UInt8](repeating: 65, count: Secret.maximumByteCount + 1))
        #expect(errorKind { _ = try t.vault.add(newCredential("x", "*:*:r"), secret: huge) } == .invalidInput)
        #expect(try t.vault.list().isEmpty)
    }

    @Test func renameKeepsIdAndHistoryAndFreesTheOldName() throws {
        let t = try TestVault()
        let added = try t.vault.add(newCredential("old", "*:*:r"), secret: Secret("s"))
        t.clock.advance(10)
        try t.vault.rename("old", to: "new")
        let details = try t.vault.show("new")
        #expect(details.credential.id == added.id)
        #expect(details.nameHistory.map(\.name) == ["old", "new"])
        #expect(errorKind { _ = try t.vault.show("old") } == .notFound)
        #expect(try t.vault.fetch("new").secret.text == "s")
        _ = try t.vault.add(newCredential("old", "*:*:r"), secret: Secret("s2"))
        #expect(errorKind { try t.vault.rename("new", to: "old") } == .invalidInput)
        #expect(errorKind { try t.vault.rename("missing", to: "x") } == .notFound)
        #expect(errorKind { try t.vault.rename("new", to: String(repeating: "x", count: 51)) } == .invalidInput)
        // The audit follows the credential through its rename.
        var names: [String?] = []
        try t.vault.forEachAuditEvent(AuditFilter(credentialName: "old")) { names.append($0.credentialName) }
        #expect(names.contains("new"))
    }

    @Test func revokeRefusesFetchFromThenOn() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("x", "*:*:r"), secret: Secret("s"))
        try t.vault.revoke("x")
        #expect(errorKind { _ = try t.vault.fetch("x") } == .denied)
        try t.vault.revoke("x")  // idempotent
        #expect(try t.vault.list(CredentialFilter(state: .revoked)).map(\.name) == ["x"])
        let denied = try t.sql("SELECT reason FROM audit_events WHERE action = 'fetch' AND outcome = 'denied'")
        #expect(denied.map { $0.string(0) } == ["revoked"])
    }

    @Test func deleteDestroysTheSecretFreesTheNameAndKeepsATombstone() throws {
        let t = try TestVault()
        let added = try t.vault.add(newCredential("gone", "*:*:r"), secret: Secret("s"))
        let ciphertext = try #require(try t.sql("SELECT ciphertext FROM secret_versions")[0].blob(0))
        let report = try t.vault.delete("gone")
        #expect(report.walTruncated)
        #expect(errorKind { _ = try t.vault.fetch("gone") } == .notFound)
        #expect(try t.sql("SELECT count(*) FROM secret_versions")[0].int64(0) == 0)
        #expect(try t.sql("SELECT uid FROM credentials WHERE name IS NULL").map { $0.string(0) } == [added.id])
        // Crypto-shred: no copy of the ciphertext in the database file or its WAL.
        #expect(!(try t.storageContains(ciphertext)))
        // The name is free again, for a new credential with a new id.
        let again = try t.vault.add(newCredential("gone", "*:*:r"), secret: Secret("s"))
        #expect(again.id != added.id)
        #expect(errorKind { try t.vault.delete("missing") } == .notFound)
    }

    /// `forEachCredential` reads one joined row per grant: each credential must come once, by
    /// name, with all its grants, whichever of the two query plans (name index, or expiry index
    /// and a sort) serves the filter.
    @Test func streamedListingGroupsEveryGrantUnderItsCredential() throws {
        let t = try TestVault()
        let names = ["m", "a", "z", "k", "b"]
        for (index, name) in names.enumerated() {
            let grants = (0...index).map { try! Grant(parsing: "p\($0):r\($0):r") }
            _ = try t.vault.add(
                NewCredential(name: name, scope: try Scope(grants), expiry: .after(seconds: Int64(index + 1) * 86_400)), secret: Secret(name))
        }
        var streamed: [Credential] = []
        try t.vault.forEachCredential(CredentialFilter()) { streamed.append($0) }
        #expect(streamed.map(\.name) == ["a", "b", "k", "m", "z"])
        #expect(streamed.map(\.scope.grants.count) == [2, 5, 4, 1, 3])
        #expect(try t.vault.list().map(\.name) == streamed.map(\.name))
        let soon = try t.vault.list(CredentialFilter(expiringWithin: 3 * 86_400))
        #expect(soon.map(\.name) == ["a", "m", "z"])
        #expect(soon.map(\.scope.grants.count) == [2, 1, 3])
    }

    @Test func listFiltersByStateIssuerExpiryAndScope() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        var erp = try newCredential("erp", "shop:orders:r", expiresIn: 10 * 86_400)
        erp.issuer = "xentral"
        _ = try t.vault.add(erp, secret: Secret("1"))
        _ = try t.vault.add(newCredential("edi", "edi:*:crud", expiresIn: 100 * 86_400), secret: Secret("2"))
        _ = try t.vault.add(.legacy(name: "old"), secret: Secret("3"))
        _ = try t.vault.add(newCredential("soon", "*:*:r", expiresIn: 86_400), secret: Secret("4"))
        try t.vault.revoke("edi")
        clock.advance(2 * 86_400)
        #expect(try t.vault.list().map(\.name) == ["edi", "erp", "old", "soon"])
        #expect(try t.vault.list(CredentialFilter(state: .active)).map(\.name) == ["erp", "old"])
        #expect(try t.vault.list(CredentialFilter(state: .expired)).map(\.name) == ["soon"])
        #expect(try t.vault.list(CredentialFilter(state: .revoked)).map(\.name) == ["edi"])
        #expect(try t.vault.list(CredentialFilter(issuer: "xentral")).map(\.name) == ["erp"])
        #expect(try t.vault.list(CredentialFilter(expiringWithin: 30 * 86_400)).map(\.name) == ["erp", "soon"])
        #expect(try t.vault.list(CredentialFilter(project: "edi")).map(\.name) == ["edi", "old", "soon"])
        let legacy = try #require(try t.vault.list().first { $0.name == "old" })
        #expect(legacy.isLegacy && legacy.neverExpires && legacy.scope.isUnlimited)
    }

    @Test func issuedTokensVerifyAndAreNeverStored() throws {
        let t = try TestVault()
        var new = try newCredential("billing", "billing:invoices:r")
        new.description = "billing service"
        let (credential, token) = try t.vault.issue(new)
        #expect(token.text.hasPrefix("tvk_"))
        #expect(token.count == IssuedTokenFormat.length)
        #expect(try t.vault.verify(token, need: Need(project: "billing", permissions: .read)).id == credential.id)
        #expect(errorKind { _ = try t.vault.verify(token, need: Need(permissions: .delete)) } == .denied)
        #expect(errorKind { _ = try t.vault.fetch("billing") } == .denied)
        // A look-alike with a bad checksum, and a well-formed unknown token, are refused alike.
        var altered = Array(token.text.utf8)
        altered[10] = altered[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(errorKind { _ = try t.vault.verify(Secret(copying: altered)) } == .denied)
        let other = try TestVault().vault.issue(try newCredential("x", "*:*:r")).token
        #expect(errorKind { _ = try t.vault.verify(other) } == .denied)
        // Only the keyed hash is kept.
        #expect(!(try t.storageContains(Array(token.text.utf8))))
        try t.vault.revoke("billing")
        #expect(errorKind { _ = try t.vault.verify(token) } == .denied)
        let reasons = try t.sql("SELECT reason FROM audit_events WHERE action = 'verify' AND outcome = 'denied' ORDER BY seq")
        #expect(reasons.map { $0.string(0) } == ["out of scope", "malformed token", "unknown token", "revoked"])
    }

    @Test func issuedTokensMustExpireWithin180Days() throws {
        let t = try TestVault()
        #expect(errorKind { _ = try t.vault.issue(newCredential("a", "*:*:r", expiresIn: nil)) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.issue(newCredential("a", "*:*:r", expiresIn: 181 * 86_400)) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.issue(.legacy(name: "a")) } == .invalidInput)
        _ = try t.vault.issue(newCredential("a", "*:*:r", expiresIn: 180 * 86_400))
    }

    @Test func issuedTokenFormatChecksumsCatchTypos() throws {
        for _ in 0..<50 {
            let token = try IssuedTokenFormat.mint()
            #expect(token.withUnsafeBytes(IssuedTokenFormat.isWellFormed))
            var bytes = Array(token.text.utf8)
            let index = Int.random(in: 4..<bytes.count)
            bytes[index] = bytes[index] == UInt8(ascii: "z") ? UInt8(ascii: "y") : UInt8(ascii: "z")
            #expect(!bytes.withUnsafeBytes(IssuedTokenFormat.isWellFormed))
        }
        #expect(!Array("tvk_short".utf8).withUnsafeBytes(IssuedTokenFormat.isWellFormed))
        #expect(!Array("ghp_".utf8).withUnsafeBytes(IssuedTokenFormat.isWellFormed))
    }
}
