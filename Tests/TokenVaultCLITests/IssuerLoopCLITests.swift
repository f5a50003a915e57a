import Foundation
import Testing

/// The stand-in token API (Scripts/token_api.py) on 127.0.0.1, started and stopped by a test.
final class StandInTokenAPI {
    private let server: Child
    let url: String

    /// - Parameters:
    ///   - seed: a live token with every scope, as the admin's first PAT.
    ///   - maxDays: the longest lifetime the issuer gives a new token.
    init(_ box: Sandbox, seed: String, maxDays: Int = 180) {
        server = box.startPython("token_api.py", [seed, String(maxDays)])
        var port = ""
        while !port.hasSuffix("\n"), let byte = try? server.output?.read(upToCount: 1), !byte.isEmpty {
            port += String(decoding: byte, as: UTF8.self)
        }
        url = "http://127.0.0.1:\(port.trimmingCharacters(in: .whitespacesAndNewlines))"
    }

    func stop() {
        server.signal(SIGKILL)
        _ = server.wait()
    }

    /// The server's state: how many tokens it minted, and which are live.
    func state() -> (mints: Int, live: [String], tokens: [String: [String: Any]]) {
        let object = request("GET", "/_admin/state") ?? [:]
        return (
            object["mints"] as? Int ?? -1, object["live"] as? [String] ?? [],
            object["tokens"] as? [String: [String: Any]] ?? [:]
        )
    }

    /// The next `times` requests to `route` (mint, whoami, delete) answer 503.
    func fail(_ route: String, times: Int = 1) { _ = request("POST", "/_admin/fail", ["route": route, "times": times]) }

    /// The next request to `route` does its work, then waits before answering.
    func hang(_ route: String) { _ = request("POST", "/_admin/hang", ["route": route]) }

    /// Waits (at most 20 s) until a request to `route` waits in the server.
    func waitUntilHanging(_ route: String) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let hanging = request("GET", "/_admin/hanging")?["hanging"] as? [String], hanging.contains(route) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Adds a live token with every scope.
    func seed(_ token: String) { _ = request("POST", "/_admin/seed", ["token": token, "scopes": ["*:*:crud"]]) }

    /// One request through curl; the JSON object answered, if any.
    private func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) -> [String: Any]? {
        var arguments = ["-sS", "-X", method, url + path]
        if let body, let data = try? JSONSerialization.data(withJSONObject: body) {
            arguments += ["--data-binary", String(decoding: data, as: UTF8.self)]
        }
        let run = Sandbox.execute("/usr/bin/curl", arguments, input: [], environment: ["PATH": "/usr/bin:/bin"], timeout: 15)
        return try? JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any]
    }
}

/// The rotation loop with the issuer (hook protocol 2), through the real binary, the example
/// hook scripts/hooks/http-token-api.py and the stand-in API.
@Suite struct IssuerLoopCLITests {
    let hook = "\(repositoryRoot)/scripts/hooks/http-token-api.py"

    /// A vault with `erp`, whose token `seed` the API knows, with the example hook as its own.
    private func setUp(maxDays: Int = 180, expiresIn: String = "90d") throws -> (Sandbox, StandInTokenAPI) {
        let box = try Sandbox()
        let api = StandInTokenAPI(box, seed: "seed-token-0001", maxDays: maxDays)
        let added = box.run(
            ["add", "erp", "--grant", "shop:orders:r", "--expires-in", expiresIn, "--issuer", "xentral", "--api-url", api.url, "--hook", hook],
            input: "seed-token-0001")
        #expect(added.status == 0, "\(added.err)")
        return (box, api)
    }

    private func details(_ box: Sandbox) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(box.run(["show", "erp", "--json"]).stdout)) as? [String: Any]) ?? [:]
    }

    private func versions(_ box: Sandbox) -> [[String: Any]] {
        details(box)["versions"] as? [[String: Any]] ?? []
    }

    @Test func aRotationMintsOnceRecordsTheIssuersExpiryAndDeletesTheOldToken() throws {
        let (box, api) = try setUp(maxDays: 20)
        defer { api.stop() }
        let rotated = box.run(["rotate", "erp", "--expires-in", "30d", "--json"])
        #expect(rotated.status == 0, "\(rotated.err)")
        // Nothing a hook did counts as a use of the new version.
        #expect(versions(box).last?["first_used_at"] is NSNull)
        let current = box.run(["get", "erp"]).out
        let state = api.state()
        #expect(state.mints == 1)
        #expect(state.live == [current])  // the seed token was deleted by finish
        // The vault records the issuer's 20 days, not the 30 asked for.
        let issuerExpiry = state.tokens[current]?["expires_at"] as? String
        #expect(details(box)["expires_at"] as? String == issuerExpiry)
        #expect(state.tokens[current]?["scopes"] as? [String] == ["shop:orders:r"])  // TOKENVAULT_GRANTS
        let newest = versions(box).last
        #expect(newest?["upstream_id"] as? String == state.tokens[current]?["id"] as? String)
        #expect(versions(box).first?["closed_at"] is String)
        for run in [rotated] { #expect(!run.out.contains(current) && !run.err.contains(current) && !run.err.contains("seed-token")) }
        #expect(!box.run(["audit", "--json"]).out.contains(current))
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test func theCronModeUsesEachCredentialsOwnHookAndRecordsTheShorterExpiry() throws {
        let (box, api) = try setUp(maxDays: 20, expiresIn: "3d")
        defer { api.stop() }
        box.run(["add", "no-hook", "--grant", "*:*:r", "--expires-in", "2d"], input: "other-token")
        let run = box.run(["rotate", "--expiring-within", "7d", "--expires-in", "30d", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any]
        #expect(report?["rotated"] as? Int == 1)
        #expect(report?["skipped"] as? Int == 1)  // no hook of its own, and no --hook
        let expires = details(box)["expires_at"] as? String ?? ""
        #expect(expires == api.state().tokens[box.run(["get", "erp"]).out]?["expires_at"] as? String)
        // Within 30 days, so `expiring` shows it: the vault does not claim 30 days.
        #expect(box.run(["expiring", "--within", "25d"]).out.contains("erp"))
        // The next run finds nothing due.
        let again = box.run(["rotate", "--expiring-within", "7d", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(again.stdout)) as? [String: Any])?["rotated"] as? Int == 0)
        #expect(api.state().mints == 1)
    }

    @Test func aFailedTestIsRolledBackAtTheIssuer() throws {
        let (box, api) = try setUp()
        defer { api.stop() }
        api.fail("whoami")
        let failed = box.run(["rotate", "erp"])
        #expect(failed.status == 1)
        #expect(failed.err.contains("test step failed"))
        #expect(box.run(["get", "erp"]).out == "seed-token-0001")
        let state = api.state()
        #expect(state.mints == 1)
        #expect(state.live == ["seed-token-0001"])  // the minted token was deleted by rollback
        #expect(versions(box).last?["state"] as? String == "revoked")
        #expect(versions(box).last?["closed_at"] is String)
    }

    @Test func aFailedRollbackAndAFailedFinishAreRetriedByLaterRuns() throws {
        let (box, api) = try setUp()
        defer { api.stop() }
        api.fail("whoami")
        api.fail("delete")
        #expect(box.run(["rotate", "erp"]).status == 1)
        let waiting = versions(box).last?["waiting"] as? [String: Any]
        #expect(waiting?["step"] as? String == "rollback")
        #expect(waiting?["attempts"] as? Int == 1)
        #expect(box.run(["show", "erp"]).out.contains("rollback waiting (1 failed attempt"))
        let report = box.run(["report", "--json"])
        #expect(report.status == 1)  // a token the vault no longer holds still works upstream
        let backlog = (try JSONSerialization.jsonObject(with: Data(report.stdout)) as? [String: Any])?["rotation_backlog"] as? [[String: Any]]
        #expect(backlog?.count == 1 && (backlog?.first?["waiting"] as? [String: Any])?["step"] as? String == "rollback")
        #expect(box.run(["report"]).out.contains("rollback waiting"))
        #expect(api.state().live.count == 2)
        // The next run retries it (nothing is due: only the owed step runs).
        let retried = box.run(["rotate", "--expiring-within", "1d"])
        #expect(retried.status == 0, "\(retried.err)")
        #expect(retried.out.contains("issuer steps: 1 done"))
        #expect(api.state().live == ["seed-token-0001"])

        api.fail("delete")
        let rotated = box.run(["rotate", "erp"])
        #expect(rotated.status == 0)  // the rotation stands
        #expect(rotated.err.contains("finish step of 'erp'") && rotated.err.contains("retried"))
        #expect(api.state().live.count == 2)
        #expect(versions(box).first?["waiting"] as? [String: Any] != nil)
        let failing = box.run(["rotate", "--expiring-within", "1d"], environment: [:])
        #expect(failing.status == 0)
        #expect(api.state().live == [box.run(["get", "erp"]).out])
        #expect(versions(box).allSatisfy { $0["waiting"] is NSNull })
    }

    @Test func aGraceKeepsTheOldTokenAtTheIssuerUntilItEnds() throws {
        let (box, api) = try setUp()
        defer { api.stop() }
        #expect(box.run(["rotate", "erp", "--retire-after-first-use"]).status == 0)
        // The vault still accepts the old token, so the issuer must too: finish is deferred.
        #expect(api.state().live.contains("seed-token-0001"))
        #expect((versions(box).first?["waiting"] as? [String: Any])?["due"] as? Bool == false)
        #expect(box.run(["rotate", "--expiring-within", "1d"]).out.contains("rotated 0"))
        #expect(api.state().live.contains("seed-token-0001"))
        // The first use of the new version retires the old one; the next run closes it upstream.
        _ = box.run(["get", "erp"])
        #expect(box.run(["rotate", "--expiring-within", "1d"]).out.contains("issuer steps: 1 done"))
        #expect(!api.state().live.contains("seed-token-0001"))
    }

    @Test func revokeAndDeleteRevokeAtTheIssuerUnlessLocalOnly() throws {
        let (box, api) = try setUp()
        defer { api.stop() }
        let revoked = box.run(["revoke", "erp", "--json"])
        #expect(revoked.status == 0, "\(revoked.err)")
        #expect(api.state().live.isEmpty)
        #expect(revoked.out.contains("\"outcome\":\"done\""))

        api.seed("second-token-0002")
        box.run(["add", "second", "--grant", "*:*:r", "--expires-in", "30d", "--api-url", api.url, "--hook", hook], input: "second-token-0002")
        #expect(box.run(["revoke", "second", "--local-only"]).status == 0)
        #expect(api.state().live == ["second-token-0002"])
        // A delete whose revoke step fails keeps the credential (revoked) to retry the step.
        api.fail("delete")
        let refused = box.run(["delete", "second", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("not deleted"))
        #expect(box.run(["show", "second"]).status == 0)
        let deleted = box.run(["delete", "second", "--yes"])
        #expect(deleted.status == 0, "\(deleted.err)")
        #expect(api.state().live.isEmpty)
        #expect(box.run(["show", "second"]).status == 3)
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test(arguments: ["mint", "whoami", "delete"])
    func aRunKilledInAnyStepNeitherMintsTwiceNorLosesAToken(route: String) throws {
        let (box, api) = try setUp()
        defer { api.stop() }
        api.hang(route)
        let process = box.start(["rotate", "erp"])
        #expect(api.waitUntilHanging(route))
        process.signal(SIGKILL)
        #expect(process.wait() == 128 + SIGKILL)
        if box.isFile { #expect(try box.sql("PRAGMA integrity_check")[0].string(0) == "ok") }  // a file's own check
        // The rerun: a rotation for a kill in create or test (resumed), the owed finish otherwise.
        let rerun = route == "delete" ? box.run(["rotate", "--expiring-within", "1d"]) : box.run(["rotate", "erp"])
        #expect(rerun.status == 0, "\(rerun.err)")
        if route == "whoami" { #expect(rerun.out.contains("(resumed)")) }
        let current = box.run(["get", "erp"]).out
        let state = api.state()
        #expect(state.mints == 1)
        #expect(state.live == [current])
        #expect(versions(box).allSatisfy { $0["waiting"] is NSNull })
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test func aProtocolOneHookIsNeverSentRollbackOrRevoke() throws {
        let box = try Sandbox()
        let log = box.file("steps.log")
        let legacy = box.hook(
            "legacy.sh",
            """
            echo "$TOKENVAULT_STEP $TOKENVAULT_HOOK_PROTOCOL" >> '\(log)'
            case "$TOKENVAULT_STEP" in
              create) cat >/dev/null; echo new-token ;;
              test) cat >/dev/null; exit 1 ;;
              *) cat >/dev/null ;;
            esac
            """)
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d", "--hook", legacy], input: "old-token")
        #expect(box.run(["rotate", "erp"]).status == 1)
        #expect(box.run(["revoke", "erp"]).status == 0)
        let steps = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(steps.contains("probe 2") && steps.contains("create 1") && steps.contains("test 1"))
        #expect(!steps.contains("rollback") && !steps.contains("revoke"))
    }

    @Test func aHookThatIsNotExecutableIsRefusedBeforeAnythingRuns() throws {
        let box = try Sandbox()
        let missing = box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d", "--hook", "/nonexistent/hook"], input: "t")
        #expect(missing.status == 2)
        #expect(missing.err.contains("not an executable file"))
        #expect(box.run(["show", "erp"]).status == 3)  // nothing stored
        let notExecutable = box.file("plain.sh")
        _ = FileManager.default.createFile(atPath: notExecutable, contents: Data("exit 0\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(box.run(["rotate", "--expiring-within", "7d", "--hook", notExecutable]).status == 2)  // nothing is due
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d"], input: "t")
        #expect(box.run(["edit", "erp", "--hook", "no-such-program-anywhere"]).status == 2)
        #expect(box.run(["issue", "minted", "--grant", "*:*:r", "--hook", "/bin/true"]).status == 2)
        #expect(box.run(["test", "erp"]).status == 2)  // no hook of its own
        #expect(box.run(["edit", "erp", "--hook", "/bin/true"]).status == 0)
        #expect(box.run(["test", "erp"]).status == 0)
        #expect(box.run(["show", "erp"]).out.contains("hook:         /bin/true"))
        #expect(box.run(["edit", "erp", "--remove-hook"]).status == 0)
        #expect(box.run(["show", "erp"]).out.contains("hook:         -"))
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test func aKeylessWriterCannotSwapACredentialsHook() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d", "--hook", "/bin/true"], input: "t")
        _ = try box.sql("UPDATE credentials SET hook = '/bin/sh -c evil' WHERE name = 'erp'")
        let refused = box.run(["rotate", "erp"])
        #expect(refused.status == 6)
        #expect(box.run(["audit", "verify"]).status != 0)
    }

    @Test func throughTheServiceRevokeRunsTheHookThereAndAHookIsNeverSet() throws {
        let (box, api) = try setUp()
        defer { api.stop() }
        let admin = box.run(["principal", "add", "admin", "--token", "--admin"])
        #expect(admin.status == 0, "\(admin.err)")
        _ = FileManager.default.createFile(atPath: box.file("admin.token"), contents: Data(admin.stdout), attributes: [.posixPermissions: 0o600])
        try box.serving { server in
            func client(_ arguments: [String], input: String = "") -> Run {
                Sandbox.execute(
                    toolURL.path, arguments, input: Array(input.utf8),
                    environment: [
                        "PATH": "/usr/bin:/bin", "HOME": box.path, "TOKENVAULT_ADDR": server.socket,
                        "TOKENVAULT_TOKEN_FILE": box.file("admin.token"),
                    ])
            }
            let hooked = client(["add", "other", "--grant", "*:*:r", "--expires-in", "30d", "--hook", "/bin/true"], input: "t")
            #expect(hooked.status == 2)
            #expect(hooked.err.contains("not through the service"))
            #expect(client(["rotate", "erp"], input: "typed-token").status == 2)  // its own hook runs by the vault file
            let local = client(["revoke", "erp", "--local-only", "--json"])
            #expect(local.status == 0, "\(local.err)")
            #expect(api.state().live == ["seed-token-0001"])
            let upstream = client(["revoke", "erp", "--json"])
            #expect(upstream.status == 0, "\(upstream.err)")
            #expect(upstream.out.contains("\"outcome\":\"done\""))
            #expect(api.state().live.isEmpty)
        }
        #expect(!box.serverLogText.contains("seed-token-0001"))
    }
}
