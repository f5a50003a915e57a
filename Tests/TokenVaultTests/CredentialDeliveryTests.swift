import Foundation
import Testing

@testable import TokenVault

/// What the credentials socket asks of the library: systemd's request parsed strictly, the
/// delivery fetched for the need a unit's allow entry names, and refusals audited.
@Suite("Credential deliveries to systemd units")
struct CredentialDeliveryTests {
    /// A vault with `erp` (shop-de:*:crud), `bank` (finance:*:r) and `old` (shop-de:*:r,
    /// revoked), and the unit principal `edi` allowed `erp` for any resource of shop-de and `old`
    /// for anything.
    static func vaultWithUnit() throws -> (TestVault, Vault) {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop-de:*:crud"), secret: Secret("erp-secret"))
        _ = try t.vault.add(newCredential("bank", "finance:*:r"), secret: Secret("bank-secret"))
        _ = try t.vault.add(newCredential("old", "shop-de:*:r"), secret: Secret("old-secret"))
        _ = try t.vault.revoke("old", atIssuer: false)
        _ = try t.vault.addPrincipal(
            "edi", recognisedBy: .unit("edi-connector.service"), allow: [AllowEntry(parsing: "erp:shop-de:*:r"), AllowEntry(parsing: "old:*:*:r")]
        )
        let (principal, peer) = try t.vault.authenticate(peer: .unit("edi-connector.service"), bearer: nil)
        return (t, try t.vault.acting(as: principal, peer: peer))
    }

    @Test func systemdsRequestNameIsParsedStrictly() throws {
        let request = try UnitCredentialRequest(abstractName: Array("5c2f1a0e9b8d7c6a/unit/edi-connector.service/erp-prod".utf8))
        #expect(request.unit == "edi-connector.service" && request.credential == "erp-prod")
        // RANDOM is printed with %x: 1 to 16 digits, no padding; templated units and escapes pass.
        #expect(try UnitCredentialRequest(abstractName: Array("0/unit/getty@tty1.service/k".utf8)).unit == "getty@tty1.service")
        #expect(try UnitCredentialRequest(abstractName: Array("f/unit/a\\x2db.service/k".utf8)).unit == "a\\x2db.service")

        let malformed: [[UInt8]] = [
            [], Array("abc".utf8), Array("abc/unit/x.service".utf8), Array("abc/unit/x.service/erp/extra".utf8),
            Array("/unit/x.service/erp".utf8), Array("ABC/unit/x.service/erp".utf8), Array("12345678901234567/unit/x.service/erp".utf8),
            Array("xyz/unit/x.service/erp".utf8), Array("abc/units/x.service/erp".utf8), Array("abc/unit/noservice/erp".utf8),
            Array("abc/unit/x.service/".utf8), Array("abc/unit/x.service/-erp".utf8), Array("abc/unit//erp".utf8),
            Array("abc/unit/x.service/erp".utf8) + [0], Array("abc/unit/x.service/".utf8) + [0xFF, 0xFE],
            Array("abc/unit/x.service/\u{1B}[2J".utf8), Array("abc/unit/x.service/".utf8) + Array(repeating: 0x61, count: 51),
        ]
        for name in malformed {
            #expect(throws: VaultError.self, "\(name)") { try UnitCredentialRequest(abstractName: name) }
        }
        // The message never repeats what the peer chose.
        do throws(VaultError) {
            _ = try UnitCredentialRequest(abstractName: Array("abc/unit/evil-marker.service/x/y".utf8))
        } catch {
            #expect(error.kind == .invalidInput && !error.message.contains("evil-marker"))
        }
    }

    @Test func aDeliveryIsFetchedForTheNeedOfTheAllowEntryNamingIt() throws {
        let (t, scoped) = try Self.vaultWithUnit()
        let fetched = try scoped.fetchForDelivery("erp")
        #expect(fetched.secret.text == "erp-secret" && fetched.version == 1)
        // A `*` of the allow entry is recorded as not given; the grants still cover the rest.
        let rows = try t.sql("SELECT actor, peer, need_project, need_resource, need_permission, outcome FROM audit_events WHERE action = 'fetch'")
        #expect(rows.count == 1)
        #expect(rows[0].string(0) == "principal:edi" && rows[0].string(1) == "unit=edi-connector.service")
        #expect(rows[0].string(2) == "shop-de" && rows[0].string(3) == nil && rows[0].string(4) == "r" && rows[0].string(5) == "ok")
    }

    @Test func refusedDeliveriesAreTheStandardAuditedRefusals() throws {
        let (t, scoped) = try Self.vaultWithUnit()
        #expect(errorKind { _ = try scoped.fetchForDelivery("bank") } == .denied)  // no allow entry names it
        #expect(errorKind { _ = try scoped.fetchForDelivery("old") } == .denied)  // revoked
        #expect(errorKind { _ = try scoped.fetchForDelivery("missing") } == .notFound)
        #expect(errorKind { _ = try scoped.fetchForDelivery("-bad") } == .invalidInput)  // not audited: bad input
        // Only through a principal: the embedded caller declares its needs with fetch.
        #expect(errorKind { _ = try t.vault.fetchForDelivery("erp") } == .invalidInput)

        let rows = try t.sql("SELECT credential_name, outcome, reason, actor, peer FROM audit_events WHERE action = 'fetch' ORDER BY seq")
        #expect(rows.map { $0.string(0) ?? "" } == ["bank", "old", "missing"])
        #expect(rows.map { $0.string(2) ?? "" } == ["out of policy", "revoked", "not found"])
        #expect(rows.allSatisfy { $0.string(1) == "denied" && $0.string(3) == "principal:edi" && $0.string(4) == "unit=edi-connector.service" })
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    @Test func aConnectionRefusedBeforeAnyPrincipalIsAuditedAsUnauthenticated() throws {
        let (t, scoped) = try Self.vaultWithUnit()
        try t.vault.auditRefusedConnection(from: PeerIdentity(uid: 65534, gid: 65534, pid: 77), reason: "credentials socket: peer is not root")
        // Whoever the handle acts as, the refusal is not recorded as its actor.
        try scoped.auditRefusedConnection(from: PeerIdentity(uid: 0, gid: 0, pid: 78), reason: "credentials socket:\n forged\u{1B}[2J line")
        let rows = try t.sql("SELECT actor, actor_kind, peer, outcome, reason FROM audit_events WHERE action = 'authenticate' ORDER BY seq")
        #expect(rows.map { $0.string(2) ?? "" } == ["uid=65534 pid=77", "uid=0 pid=78"])
        #expect(rows.allSatisfy { $0.string(0) == "unauthenticated" && $0.string(1) == "unauthenticated" && $0.string(3) == "denied" })
        #expect(rows[0].string(4) == "credentials socket: peer is not root")
        #expect(rows[1].string(4).map { !$0.contains("\n") && !$0.contains("\u{1B}") } == true, "\(rows[1].string(4) ?? "")")
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }
}
