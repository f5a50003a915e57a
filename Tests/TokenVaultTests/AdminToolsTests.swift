import Foundation
import Testing

@testable import TokenVault

@Suite("Reports, leak scan and legacy endpoints (C18-C20)")
struct AdminToolsTests {
    @Test func theReportFindsEveryKindOfRisk() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        _ = try t.vault.add(.legacy(name: "legacy"), secret: Secret("1"))
        _ = try t.vault.add(newCredential("unlimited", "*:*:crud", expiresIn: 365 * 86_400), secret: Secret("2"))
        _ = try t.vault.add(newCredential("never", "shop:*:r", expiresIn: nil), secret: Secret("3"))
        _ = try t.vault.add(newCredential("expires", "shop:*:r", expiresIn: 86_400), secret: Secret("4"))
        _ = try t.vault.add(newCredential("busy", "shop:*:r", expiresIn: 365 * 86_400), secret: Secret("5"))
        _ = try t.vault.add(newCredential("revoked", "shop:*:r", expiresIn: 86_400), secret: Secret("6"))
        try t.vault.revoke("revoked")
        clock.advance(100 * 86_400)
        _ = try t.vault.fetch("busy")
        _ = try? t.reopen(actor: "intruder").fetch("busy", need: Need(permissions: .delete))
        _ = try? t.reopen(actor: "intruder").fetch("nothing")
        _ = try? t.reopen(actor: "clumsy").fetch("revoked")
        let report = try t.vault.report(unusedFor: 90 * 86_400)
        #expect(report.unlimited.map(\.name) == ["legacy", "unlimited"])
        #expect(report.neverExpiring.map(\.name) == ["legacy", "never"])
        #expect(report.expiredNotRevoked.map(\.name) == ["expires"])
        #expect(report.unused.map(\.name) == ["expires", "legacy", "never", "unlimited"])
        #expect(report.deniedByActor.map { "\($0.actor):\($0.count)" } == ["intruder:2", "clumsy:1"])
        #expect(report.oldestSecrets.count == 5)
        #expect(report.hasRisks)
        #expect(errorKind { _ = try t.vault.report(unusedFor: 0) } == .invalidInput)
        let clean = try TestVault()
        _ = try clean.vault.add(newCredential("fine", "shop:orders:r"), secret: Secret("x"))
        #expect(!(try clean.vault.report().hasRisks))
    }

    @Test func scanFindsLeakedAccessTokensOfPrincipals() throws {
        let t = try TestVault()
        let token = try #require(try t.vault.addPrincipal("ci", recognisedBy: .token).token)
        let removed = try #require(try t.vault.addPrincipal("old", recognisedBy: .token).token)
        try t.vault.removePrincipal("old")
        let file = t.directory.file("leak.env")
        try "CI_TOKEN=\(token.text)\nOLD=\(removed.text)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try t.vault.scan([file])
        #expect(summary.findings.map(\.kind) == [.accessToken, .unknownAccessToken])
        #expect(summary.findings.first?.credentialName == "ci" && summary.findings.first?.line == 1)
    }

    @Test func scanFindsStoredAndMintedTokensInEveryDisguise() throws {
        let t = try TestVault()
        let secret = "xpat_Z3r0/Plus+Equals=="
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret(secret))
        _ = try t.vault.rotate("erp", from: .secret(Secret("xpat_second_version_99")), policy: RotationPolicy(graceSeconds: 60))
        let (_, token) = try t.vault.issue(newCredential("svc", "*:*:r"))
        let foreign = try TestVault().vault.issue(newCredential("x", "*:*:r")).token.text
        let tree = t.directory.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/sub/.git", withIntermediateDirectories: true)
        let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let files: [(String, String)] = [
            ("config.env", "# settings\nERP_TOKEN=\(secret)\nOTHER=1\n"),
            ("settings.json", "{\n  \"api\": {\"token\": \"\(secret)\"}\n}\n"),
            ("script.sh", "curl -H 'Authorization: Bearer \(secret)' https://erp\n"),
            ("url.txt", "see https://erp.example.com/api?token=\(encoded)&x=1\n"),
            ("sub/notes.md", "old token: xpat_second_version_99\nminted: \(token.text)\nforeign: \(foreign)\n"),
            ("clean.txt", "xpat_Z3r0/Plus+Equals= (one character short)\n"),
            ("sub/.git/config", "token = \(secret)\n"),
        ]
        for (name, text) in files { #expect(FileManager.default.createFile(atPath: "\(tree)/\(name)", contents: Data(text.utf8))) }
        #expect(FileManager.default.createFile(atPath: "\(tree)/binary.bin", contents: Data([0, 1, 2] + Array(secret.utf8))))
        let summary = try t.vault.scan([tree])
        let found = summary.findings.map {
            "\($0.path.dropFirst(tree.count + 1)):\($0.line):\($0.kind.rawValue):\($0.credentialName ?? "-"):\($0.version ?? 0)"
        }
        #expect(
            found == [
                "config.env:2:stored:erp:1",
                "script.sh:1:stored:erp:1",
                "settings.json:2:stored:erp:1",
                "sub/notes.md:1:stored:erp:2",
                "sub/notes.md:2:issued:svc:1",
                "sub/notes.md:3:unknown-issued:-:0",
                "url.txt:1:stored:erp:1",
            ])
        #expect(summary.filesScanned == 6)
        #expect(summary.filesSkipped == 1)
        #expect(!"\(summary)".contains(secret))
        #expect(errorKind { _ = try t.vault.scan([t.directory.file("missing")]) } == .notFound)
        #expect(try t.sql("SELECT reason FROM audit_events WHERE action = 'scan'")[0].string(0) == "6 files scanned, 7 leaked tokens found")
    }

    @Test(arguments: [
        ("/shopimport/status", "/shopimport/status"),
        ("/api/shopimport/syncstorage/ART-100", "/shopimport/syncstorage/{articlenumber}"),
        ("https://erp.example.com/api/shopimport/ordertoxentral/4711?debug=1", "/shopimport/ordertoxentral/{ordernumber}"),
        ("/ShopImport/Auth/", "/shopimport/auth"),
        ("/v1/reports", "/v1/reports"),
    ])
    func legacyEndpointsAreRecognised(_ path: String, _ pattern: String) throws {
        #expect(LegacyEndpoints.match(path) == pattern)
    }

    @Test(arguments: ["/v1/articles", "/shopimport/syncstorage", "/shopimport/syncstorage/a/b", "/v1/reports/42", "/api/v2/orders", ""])
    func otherEndpointsAreNot(_ path: String) {
        #expect(LegacyEndpoints.match(path) == nil)
    }

    @Test func checkEndpointNeedsAKnownCredential() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("s"))
        #expect(try t.vault.checkEndpoint(for: "erp", path: "/shopimport/refund").legacyPattern == "/shopimport/refund")
        #expect(try t.vault.checkEndpoint(for: "erp", path: "/v1/orders").isClear)
        #expect(errorKind { _ = try t.vault.checkEndpoint(for: "nope", path: "/v1/orders") } == .notFound)
        #expect(errorKind { _ = try t.vault.checkEndpoint(for: "erp", path: "") } == .invalidInput)
        // A full URL on another host than the credential's API URL: flagged; the same host: clear.
        var new = try newCredential("api", "*:*:r")
        new.apiURL = "https://ERP.example.com/api"
        _ = try t.vault.add(new, secret: Secret("s"))
        let other = try t.vault.checkEndpoint(for: "api", path: "https://evil.example.net/api/v1/orders")
        #expect(other.hostMismatch?.url == "evil.example.net" && other.hostMismatch?.credential == "erp.example.com" && !other.isClear)
        #expect(try t.vault.checkEndpoint(for: "api", path: "https://erp.example.com/api/v1/orders").isClear)
    }
}
