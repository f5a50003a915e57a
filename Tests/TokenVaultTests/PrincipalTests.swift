import Foundation
import Testing

@testable import TokenVault

/// Principals of the service, and how an authenticated caller's policy bounds the library.
@Suite("Principals and callers")
struct PrincipalTests {
    static let orders = Need(project: "shop-de", resource: "orders", permissions: .read)
    static let peer = PeerIdentity(uid: 1001, gid: 2001, pid: 4242)

    /// A vault with `erp` (shop-de:*:crud) and `bank` (finance:*:r), and a principal `connector`
    /// (uid 1001) allowed `erp` for reading orders.
    static func vaultWithConnector() throws -> TestVault {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop-de:*:crud"), secret: Secret("erp-secret"))
        _ = try t.vault.add(newCredential("bank", "finance:*:r"), secret: Secret("bank-secret"))
        _ = try t.vault.addPrincipal("connector", recognisedBy: .uid(1001), allow: [AllowEntry(parsing: "erp:shop-de:orders:r")])
        return t
    }

    @Test func aPrincipalFetchesOnlyWhatItsAllowListAndTheGrantsBothCover() throws {
        let t = try Self.vaultWithConnector()
        let (principal, peer) = try t.vault.authenticate(peer: Self.peer, bearer: nil)
        #expect(principal.name == "connector" && peer == "uid=1001 pid=4242")
        let scoped = try t.vault.acting(as: principal, peer: peer, onBehalfOf: "alice")
        #expect(try scoped.fetch("erp", need: Self.orders).secret.text == "erp-secret")
        // Covered by the grants, not by the allow list: refused and audited.
        let write = Need(project: "shop-de", resource: "orders", permissions: .update)
        #expect(errorKind { _ = try scoped.fetch("erp", need: write) } == .denied)
        #expect(errorKind { _ = try scoped.fetch("bank", need: Need(project: "finance", resource: "x", permissions: .read)) } == .denied)
        // A need through the service names all three parts.
        #expect(errorKind { _ = try scoped.fetch("erp", need: Need(project: "shop-de")) } == .invalidInput)

        let rows = try t.sql("SELECT actor, actor_kind, peer, on_behalf_of, outcome, reason FROM audit_events WHERE action = 'fetch' ORDER BY seq")
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.string(0) == "principal:connector" && $0.string(1) == "principal" && $0.string(2) == "uid=1001 pid=4242" })
        #expect(rows.allSatisfy { $0.string(3) == "alice" })
        #expect(rows.map { $0.string(4) ?? "" } == ["ok", "denied", "denied"])
        #expect(rows[1].string(5) == "out of policy")
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    @Test func theEmbeddedActorIsMarkedDeclared() throws {
        let t = try TestVault(actor: "security-admin")
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("s"))
        let rows = try t.sql("SELECT actor, actor_kind, peer FROM audit_events WHERE action = 'add'")
        #expect(rows.first?.string(0) == "security-admin" && rows.first?.string(1) == "declared" && rows.first?.string(2) == nil)
    }

    @Test func anUnknownCallerIsRefusedAndAudited() throws {
        let t = try Self.vaultWithConnector()
        #expect(errorKind { _ = try t.vault.authenticate(peer: PeerIdentity(uid: 7, gid: 7, pid: 9), bearer: nil) } == .unauthenticated)
        #expect(errorKind { _ = try t.vault.authenticate(peer: Self.peer, bearer: Secret("tva_not-a-token")) } == .unauthenticated)
        let rows = try t.sql("SELECT actor, actor_kind, peer, outcome FROM audit_events WHERE action = 'authenticate' ORDER BY seq")
        #expect(rows.map { $0.string(2) ?? "" } == ["uid=7 pid=9", "token=malformed uid=1001 pid=4242"])
        #expect(rows.allSatisfy { $0.string(0) == "unauthenticated" && $0.string(1) == "unauthenticated" && $0.string(3) == "denied" })
    }

    @Test func tokensAuthenticateRotateAndAreStoredOnlyAsKeyedHashes() throws {
        let t = try TestVault()
        let (principal, token) = try t.vault.addPrincipal("ci", recognisedBy: .token, allow: [AllowEntry(parsing: "*:*:*:r")])
        let first = try #require(token)
        #expect(first.text.hasPrefix("tva_") && first.text.count == IssuedTokenFormat.length)
        guard case .token(let id) = principal.recognisedBy else {
            Issue.record("not a token principal")
            return
        }
        let (found, peer) = try t.vault.authenticate(peer: Self.peer, bearer: first)
        #expect(found.name == "ci" && peer == "token=" + id)
        #expect(!(try t.storageContains(Array(first.text.utf8))))

        let second = try t.vault.rotatePrincipalToken("ci")
        #expect(errorKind { _ = try t.vault.authenticate(peer: Self.peer, bearer: first) } == .unauthenticated)
        #expect(try t.vault.authenticate(peer: Self.peer, bearer: second).principal.name == "ci")
        // A token is never the peer's uid: a bearer that does not match is refused, not
        // recognised by uid instead.
        _ = try t.vault.addPrincipal("by-uid", recognisedBy: .uid(1001))
        #expect(errorKind { _ = try t.vault.authenticate(peer: Self.peer, bearer: first) } == .unauthenticated)
    }

    @Test func uidIsTriedBeforeGid() throws {
        let t = try TestVault()
        _ = try t.vault.addPrincipal("group", recognisedBy: .gid(2001))
        #expect(try t.vault.authenticate(peer: Self.peer, bearer: nil).principal.name == "group")
        _ = try t.vault.addPrincipal("user", recognisedBy: .uid(1001))
        #expect(try t.vault.authenticate(peer: Self.peer, bearer: nil).principal.name == "user")
        #expect(errorKind { _ = try t.vault.addPrincipal("again", recognisedBy: .uid(1001)) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.addPrincipal("user", recognisedBy: .uid(5)) } == .invalidInput)
    }

    @Test func aPrincipalThatIsNotAnAdminManagesNothingAndReadsNoTrail() throws {
        let t = try Self.vaultWithConnector()
        let (principal, peer) = try t.vault.authenticate(peer: Self.peer, bearer: nil)
        let scoped = try t.vault.acting(as: principal, peer: peer)
        #expect(errorKind { try scoped.revoke("erp") } == .denied)
        #expect(errorKind { _ = try scoped.add(newCredential("x", "*:*:r"), secret: Secret("s")) } == .denied)
        #expect(errorKind { _ = try scoped.addPrincipal("y", recognisedBy: .uid(5), admin: true) } == .denied)
        #expect(errorKind { try scoped.forEachAuditEvent(AuditFilter()) { _ in } } == .denied)
        #expect(errorKind { _ = try scoped.report() } == .denied)
        #expect(errorKind { _ = try scoped.principals() } == .denied)
        // Listings show only what it may fetch; another credential does not exist for it.
        #expect(try scoped.list().map(\.name) == ["erp"])
        #expect(errorKind { _ = try scoped.show("bank") } == .notFound)
        #expect(try t.vault.show("erp").credential.revokedAt == nil)
        let refusals = try t.sql("SELECT count(*) FROM audit_events WHERE outcome = 'denied' AND reason = 'not an admin'")
        #expect(refusals.first?.int64(0) == 6)
    }

    @Test func anAdminPrincipalManages() throws {
        let t = try Self.vaultWithConnector()
        _ = try t.vault.addPrincipal("admin", recognisedBy: .uid(0), admin: true)
        let (principal, peer) = try t.vault.authenticate(peer: PeerIdentity(uid: 0, gid: 0, pid: 1), bearer: nil)
        let admin = try t.vault.acting(as: principal, peer: peer)
        try admin.revoke("bank")
        #expect(try admin.principals().map(\.name) == ["admin", "connector"])
        try admin.renamePrincipal("connector", to: "procuros")
        try admin.removePrincipal("procuros")
        #expect(errorKind { _ = try t.vault.authenticate(peer: Self.peer, bearer: nil) } == .unauthenticated)
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    @Test func aPrincipalRowWrittenWithoutTheKeyIsRefused() throws {
        let t = try Self.vaultWithConnector()
        // Checked once (and remembered, CheckedPrincipals): an edited row is not the row remembered.
        #expect(try t.vault.authenticate(peer: Self.peer, bearer: nil).principal.isAdmin == false)
        // Widen the allow list in the file: the row's MAC no longer matches.
        _ = try t.sql("UPDATE principals SET allow = '*:*:*:crud', admin = 1")
        #expect(errorKind { _ = try t.vault.authenticate(peer: Self.peer, bearer: nil) } == .integrity)
        #expect(errorKind { _ = try t.vault.principals() } == .integrity)
        // The refused authentication is audited as the caller's connection, not as the
        // handle's declared actor (the server's own name).
        let rows = try t.sql("SELECT actor, actor_kind, peer, outcome, credential_name FROM audit_events WHERE outcome = 'error' ORDER BY seq")
        let refusal = try #require(rows.first)
        #expect(refusal.string(0) == "unauthenticated" && refusal.string(1) == "unauthenticated" && refusal.string(2) == "uid=1001 pid=4242")
        #expect(refusal.string(3) == "error" && refusal.string(4) == "connector")
    }

    @Test func aRemovedPrincipalRestoredFromACopyIsStale() throws {
        let t = try Self.vaultWithConnector()
        _ = try t.vault.authenticate(peer: Self.peer, bearer: nil)  // remembered as checked
        let saved = try t.sql("SELECT uid, name, match_kind, match_id, admin, allow, created_at, state_seq, state_mac FROM principals")
        try t.vault.removePrincipal("connector")
        let row = try #require(saved.first)
        _ = try t.sql(
            "INSERT INTO principals (uid, name, match_kind, match_id, admin, allow, created_at, state_seq, state_mac) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                row.string(0)!, row.string(1)!, row.string(2)!, row.int64(3)!, row.int64(4)!, row.string(5)!, row.int64(6)!, row.int64(7)!,
                row.blob(8)!,
            ]
        )
        #expect(errorKind { _ = try t.vault.authenticate(peer: Self.peer, bearer: nil) } == .integrity)
    }

    @Test func auditVerifyNamesAForgedOrDeletedPrincipal() throws {
        let t = try Self.vaultWithConnector()
        #expect(try t.vault.verifyAuditTrail().isIntact)
        _ = try t.sql("UPDATE principals SET admin = 1")
        let forged = try t.vault.verifyAuditTrail()
        #expect(!forged.isIntact)
        #expect(forged.problem?.table == "principals")
        _ = try t.sql("DELETE FROM principals")
        let deleted = try t.vault.verifyAuditTrail()
        #expect(deleted.problem?.table == "principals" && deleted.problem?.credential == "connector")
    }

    @Test func certificateAndUnitPrincipalsAreRecognisedOnlyByTheirPeers() throws {
        let t = try Self.vaultWithConnector()
        let fingerprint = String(repeating: "ab", count: 32)
        // `openssl x509 -fingerprint -sha256` prints upper case with colons: stored as lowercase hex.
        let printed = "SHA256 Fingerprint=" + (0..<32).map { _ in "AB" }.joined(separator: ":")
        let (remote, _) = try t.vault.addPrincipal("edi", recognisedBy: .certificate(sha256: printed), allow: [AllowEntry(parsing: "erp:*:*:r")])
        #expect(remote.recognisedBy == .certificate(sha256: fingerprint))
        _ = try t.vault.addPrincipal("unit", recognisedBy: .unit("edi-connector.service"), allow: [AllowEntry(parsing: "erp:shop-de:orders:r")])

        let (byCertificate, peer) = try t.vault.authenticate(peer: .remote(address: "127.0.0.1:50000", certificate: fingerprint), bearer: nil)
        #expect(byCertificate.name == "edi" && peer == "addr=127.0.0.1:50000 cert=\(fingerprint)")
        let (byUnit, unitPeer) = try t.vault.authenticate(peer: .unit("edi-connector.service"), bearer: nil)
        #expect(byUnit.name == "unit" && unitPeer == "unit=edi-connector.service")
        #expect(byUnit.deliveryNeed(for: "erp") == Self.orders)
        #expect(byUnit.deliveryNeed(for: "bank") == nil)
        #expect(byCertificate.deliveryNeed(for: "erp") == Need(permissions: .read))

        // A remote client without a certificate, another certificate, another unit: refused, audited.
        let other = String(repeating: "cd", count: 32)
        for peer: PeerIdentity in [
            .remote(address: "127.0.0.1:1", certificate: nil), .remote(address: "127.0.0.1:2", certificate: other), .unit("x.service"),
        ] {
            #expect(errorKind { _ = try t.vault.authenticate(peer: peer, bearer: nil) } == .unauthenticated)
        }
        let refusals = try t.sql("SELECT peer, reason FROM audit_events WHERE action = 'authenticate' ORDER BY seq")
        #expect(refusals.map { $0.string(0) ?? "" } == ["addr=127.0.0.1:1", "addr=127.0.0.1:2 cert=\(other)", "unit=x.service"])
        #expect(refusals.first?.string(1) == "no access token or client certificate")

        // Taken, malformed: refused before anything is written.
        #expect(errorKind { _ = try t.vault.addPrincipal("edi2", recognisedBy: .certificate(sha256: fingerprint)) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.addPrincipal("unit2", recognisedBy: .unit("edi-connector.service")) } == .invalidInput)
        for bad in ["", "ab", String(repeating: "g", count: 64), String(repeating: "a", count: 65)] {
            #expect(errorKind { _ = try t.vault.addPrincipal("bad", recognisedBy: .certificate(sha256: bad)) } == .invalidInput)
        }
        for bad in ["", "noservice", "a b.service", "x/../y.service", ".service", "svc."] {
            #expect(errorKind { _ = try t.vault.addPrincipal("bad", recognisedBy: .unit(bad)) } == .invalidInput)
        }
        #expect(try t.vault.principals().map(\.name) == ["connector", "edi", "unit"])

        // Their rows are authenticated state like any other.
        _ = try t.sql("UPDATE principals SET match_text = ? WHERE name = 'edi'", [other])
        #expect(errorKind { _ = try t.vault.authenticate(peer: .remote(address: "127.0.0.1:3", certificate: other), bearer: nil) } == .integrity)
        #expect(try t.vault.verifyAuditTrail().problem?.table == "principals")
    }

    /// Schema 10 rebuilds the principals table: a vault whose principals were written under schema
    /// 9 keeps every row, and every row's MAC, through it.
    @Test(.enabled(if: TestEngine.isSQLite, "PostgreSQL vaults are born at schema 10"))
    func schema10KeepsThePrincipalsOfASchema9Vault() throws {
        let t = try Self.vaultWithConnector()
        let (_, token) = try t.vault.addPrincipal("ci", recognisedBy: .token, allow: [AllowEntry(parsing: "*:*:*:r")])
        // Back to schema 9's table, rows and MACs as they are (a row without match_text encodes
        // as it did then), and schema 10 not yet applied.
        for statement in [
            """
            CREATE TABLE principals_v9 (
                id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,
                match_kind TEXT NOT NULL CHECK (match_kind = 'uid' OR match_kind = 'gid' OR match_kind = 'token'),
                match_id INTEGER CHECK ((match_kind = 'token') = (match_id IS NULL)),
                token_hash BLOB UNIQUE CHECK ((match_kind = 'token') = (token_hash IS NOT NULL) AND (token_hash IS NULL OR length(token_hash) = 32)),
                admin INTEGER NOT NULL CHECK (admin = 0 OR admin = 1), allow TEXT NOT NULL, created_at INTEGER NOT NULL,
                state_seq INTEGER NOT NULL, state_mac BLOB NOT NULL CHECK (length(state_mac) = 32)
            ) STRICT
            """,
            "INSERT INTO principals_v9 SELECT id, uid, name, match_kind, match_id, token_hash, admin, allow, created_at, state_seq, state_mac FROM principals",
            "DROP TABLE principals",
            "ALTER TABLE principals_v9 RENAME TO principals",
            "CREATE UNIQUE INDEX principals_match ON principals (match_kind, match_id) WHERE match_id IS NOT NULL",
            "DELETE FROM schema_migrations WHERE version = 10",
        ] {
            _ = try t.sql(statement)
        }
        let upgraded = try t.reopen()
        #expect(try t.sql("SELECT max(version) FROM schema_migrations").first?.int64(0) == 10)
        #expect(try upgraded.authenticate(peer: Self.peer, bearer: nil).principal.name == "connector")
        #expect(try upgraded.authenticate(peer: Self.peer, bearer: token).principal.name == "ci")
        #expect(try upgraded.verifyAuditTrail().isIntact)
        _ = try upgraded.addPrincipal("unit", recognisedBy: .unit("edi.service"))
        #expect(try upgraded.principals().map(\.name) == ["ci", "connector", "unit"])
    }

    @Test func allowEntriesParseStrictly() throws {
        #expect(try AllowEntry(parsing: "*:*:*:r").description == "*:*:*:r")
        #expect(try AllowEntry(parsing: "metrics") == .metrics)
        for bad in ["", "erp", "erp:shop", "erp:shop:orders", "erp:shop:orders:x", ":shop:orders:r", "-dash:*:*:r", "erp:*:*:r:extra"] {
            #expect(errorKind { _ = try AllowEntry(parsing: bad) } == .invalidInput, "\(bad)")
        }
    }
}
