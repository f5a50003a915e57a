import Foundation
import Testing
import TokenVaultStore

@Suite("Audit, reports and scanning through the real binary")
struct AuditCLITests {
    @Test func verifyAndSealDetectTamperingWithTheDocumentedExitCode() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "seal-secret")
        box.run(["get", "erp"])
        let intact = box.run(["audit", "verify"])
        #expect(intact.status == 0)
        #expect(intact.out.hasPrefix("audit trail intact: 4 events, head "))  // init, the issuer policy, add, get
        let sealed = box.run(["audit", "seal", "--out", box.file("seal.txt"), "--public-key-out", box.file("vault.pub")])
        #expect(sealed.status == 0, "\(sealed.err)")
        #expect(box.run(["audit", "seal", "--out", box.file("seal.txt")]).status == 2)  // never overwrites
        let mode = (try FileManager.default.attributesOfItem(atPath: box.file("seal.txt"))[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        box.run(["get", "erp"])
        // The auditor has no key at all.
        let auditor = ["TOKENVAULT_KEY_FILE": ""]
        let bySeal = box.run(["audit", "verify", "--seal", box.file("seal.txt"), "--public-key", box.file("vault.pub")], environment: auditor)
        #expect(bySeal.status == 0, "\(bySeal.err)")
        #expect(bySeal.out.contains("intact up to the seal: 5 events"))
        #expect(bySeal.out.contains("1 later events are chain-consistent but not covered by the seal"))
        #expect(box.run(["audit", "verify", "--seal", box.file("seal.txt")]).status == 2)
        #expect(
            box.run(["audit", "verify", "--seal", box.file("vault.pub"), "--public-key", box.file("vault.pub")], environment: auditor).status == 2)

        let connection = try box.connection()
        try connection.execute("UPDATE audit_events SET actor = 'someone' WHERE seq = 2")
        let broken = box.run(["audit", "verify"])
        #expect(broken.status == 6)
        #expect(broken.err.hasPrefix("tokenvault: error: audit trail broken: event 2 does not match its hash"))
        let json = box.run(["audit", "verify", "--json"])
        #expect(json.status == 6)
        #expect(json.out.contains("\"problem\":{\"kind\":\"altered\",\"event\":2"))
        try connection.execute("DELETE FROM audit_events WHERE seq >= 3")
        let truncated = box.run(["audit", "verify", "--seal", box.file("seal.txt"), "--public-key", box.file("vault.pub")], environment: auditor)
        #expect(truncated.status == 6)
    }

    @Test func reportExitsOneOnRisksAndNeverShowsSecrets() throws {
        let box = try Sandbox()
        box.run(["add", "scoped", "--grant", "shop:orders:r", "--expires-in", "90d"], input: "report-secret-1")
        box.run(["get", "scoped"])
        let clean = box.run(["report"])
        #expect(clean.status == 0, "\(clean.out)")
        box.run(["add", "legacy", "--legacy"], input: "report-secret-2")
        box.run(["get", "scoped", "--project", "other"], environment: ["TOKENVAULT_ACTOR": "prober"])
        let risky = box.run(["report"])
        #expect(risky.status == 1)
        #expect(risky.out.contains("Unlimited rights (legacy or *:*:crud): \n"))
        #expect(risky.out.contains("  prober"))
        let json = box.run(["report", "--json", "--unused-for", "1d"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["unlimited"] as? [String] == ["legacy"])
        #expect(object["risks"] as? Bool == true)
        for form in leakForms("report-secret-1") + leakForms("report-secret-2") {
            #expect(!(risky.stdout + risky.stderr + json.stdout).contains(bytes: form))
        }
        #expect(box.run(["report", "--unused-for", "-1d"]).status == 2)
    }

    @Test func scanReportsPlacesNeverSecretsAndExitsOneOnFindings() throws {
        let box = try Sandbox()
        let secret = "scan-secret-4f9a1c77e2"
        box.run(["add", "erp", "--legacy"], input: secret)
        let project = box.file("project")
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: project + "/clean.txt", contents: Data("nothing here\n".utf8)))
        #expect(box.run(["scan", project]).status == 0)
        #expect(FileManager.default.createFile(atPath: project + "/.env", contents: Data("A=1\nXENTRAL_TOKEN=\(secret)\n".utf8)))
        let run = box.run(["scan", project])
        #expect(run.status == 1)
        #expect(run.out.contains("\(project)/.env:2: stored token of 'erp' (version 1)"))
        #expect(run.out.contains("found 1 leaked tokens"))
        for form in leakForms(secret) { #expect(!(run.stdout + run.stderr).contains(bytes: form)) }
        #expect(box.run(["scan", box.file("nope")]).status == 3)
        #expect(box.run(["scan"]).status == 2)
    }

    @Test func checkEndpointWarnsForLegacyPaths() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "90d"], input: "x")
        let legacy = box.run(["check-endpoint", "erp", "/shopimport/syncstorage/A-1"])
        #expect(legacy.status == 1)
        #expect(legacy.err.contains("refuses PAT authentication"))
        let fine = box.run(["check-endpoint", "erp", "/v1/articles"])
        #expect(fine.status == 0 && fine.out == "/v1/articles is not a legacy endpoint\n")
        box.run(["add", "api", "--grant", "*:*:r", "--expires-in", "90d", "--api-url", "https://erp.example.com/api"], input: "x")
        let elsewhere = box.run(["check-endpoint", "api", "https://other.example.org/api/v1/articles"])
        #expect(elsewhere.status == 1 && elsewhere.err.contains("another server") && elsewhere.out.isEmpty)
        #expect(box.run(["check-endpoint", "nope", "/v1/articles"]).status == 3)
        #expect(box.run(["check-endpoint", "erp"]).status == 2)
    }

    /// C15 fail-closed, through the binary: when the vault file cannot be written, no audit
    /// event can be, so no secret is returned. On PostgreSQL: the server refuses the audit
    /// insert (the role's INSERT on the trail revoked).
    @Test func aReadOnlyVaultReturnsNoSecret() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "fail-closed-secret")
        guard box.isFile else {
            let connection = try box.connection()
            try connection.execute("REVOKE INSERT ON audit_events FROM CURRENT_USER")
            let run = box.run(["get", "erp"])
            #expect(run.status != 0, "\(run.err)")
            #expect(run.stdout.isEmpty)
            try connection.execute("GRANT INSERT ON audit_events TO CURRENT_USER")
            #expect(box.run(["get", "erp"]).out == "fail-closed-secret")
            return
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: box.vault)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: box.file("vault"))
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: box.file("vault"))
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.vault)
        }
        guard getuid() != 0 else {
            // root ignores file modes. A trigger that would make the audit insert fail is an
            // object the migrations did not create: the vault is refused at open (exit 6), and
            // no secret is printed either way.
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: box.file("vault"))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.vault)
            try box.connection()
                .execute("CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit down'); END")
            let run = box.run(["get", "erp"])
            #expect(run.status == 6)
            #expect(run.stdout.isEmpty)
            return
        }
        let run = box.run(["get", "erp"])
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
    }
}
