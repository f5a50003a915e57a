import Foundation
import Testing

@testable import TokenVault

/// `Vault.edit(_:_:)`: a credential's expiry, grants and labels changed, its secret kept.
@Suite("Edit")
struct EditTests {
    @Test func expiryGrantsAndLabelsChangeAndTheSecretStays() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop-de:orders:r", "shop-de:items:r"), secret: Secret("erp-secret"))
        var change = CredentialEdit()
        change.expiry = .after(seconds: 30 * 86_400)
        change.addGrants = [try Grant(parsing: "shop-at:orders:cr"), try Grant(parsing: "shop-de:orders:crud")]
        change.removeGrants = [try Grant(parsing: "shop-de:items:r")]
        change.apiURL = "https://erp.example.com/api"
        let edited = try t.vault.edit("erp", change)
        #expect(edited.expiresAt == t.clock.now + 30 * 86_400)
        #expect(Set(edited.scope.grants.map(\.description)) == ["shop-at:orders:cr", "shop-de:orders:crud"])
        #expect(edited.apiURL == "https://erp.example.com/api" && edited.currentVersion == 1)
        let need = Need(project: "shop-at", resource: "orders", permissions: .create)
        #expect(try t.vault.fetch("erp", need: need).secret.text == "erp-secret")
        #expect(errorKind { _ = try t.vault.fetch("erp", need: Need(project: "shop-de", resource: "items", permissions: .read)) } == .denied)
        let event = try t.sql("SELECT reason, changes_state FROM audit_events WHERE action = 'edit'")
        #expect(event.first?.string(0)?.hasPrefix("changed expires ") == true && event.first?.string(0)?.contains("api_url") == true)
        #expect(event.first?.int64(1) == 1)
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    @Test func badEditsChangeNothing() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop:orders:r"), secret: Secret("s"))
        _ = try t.vault.add(.legacy(name: "old"), secret: Secret("s"))
        let (_, _) = try t.vault.issue(newCredential("svc", "*:*:r", expiresIn: 30 * 86_400))
        let before = try t.vault.show("erp").credential
        var nothing = CredentialEdit()
        #expect(errorKind { _ = try t.vault.edit("erp", nothing) } == .invalidInput)
        nothing.removeGrants = [try Grant(parsing: "shop:orders:r")]
        #expect(errorKind { _ = try t.vault.edit("erp", nothing) } == .invalidInput)  // its last grant
        var missing = CredentialEdit()
        missing.removeGrants = [try Grant(parsing: "other:x:r")]
        #expect(errorKind { _ = try t.vault.edit("erp", missing) } == .invalidInput)
        var past = CredentialEdit()
        past.expiry = .at(t.clock.now - 1)
        #expect(errorKind { _ = try t.vault.edit("erp", past) } == .invalidInput)
        var legacyGrant = CredentialEdit()
        legacyGrant.addGrants = [try Grant(parsing: "shop:orders:r")]
        #expect(errorKind { _ = try t.vault.edit("old", legacyGrant) } == .invalidInput)
        var forever = CredentialEdit()
        forever.expiry = .never
        #expect(errorKind { _ = try t.vault.edit("svc", forever) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.edit("nope", past) } == .notFound || errorKind { _ = try t.vault.edit("nope", forever) } == .notFound)
        #expect(try t.vault.show("erp").credential == before)
        #expect(try t.sql("SELECT count(*) FROM audit_events WHERE action = 'edit' AND outcome = 'ok'").first?.int64(0) == 0)
    }
}
