import Foundation
import Testing

/// `tokenvault serve` with a vault behind it, through real clients: curl and Python's
/// http.client over the Unix socket (Scripts/). The engine's own limits are tested against an
/// echo handler in TokenVaultServiceTests; here the binary, its API and its audit trail.
///
/// Serialized: several tests measure latency or memory, and the kill test runs 32 clients.
@Suite("tokenvault serve through real clients", .serialized)
struct ServiceTests {
    static let uid = Int(getuid())
    /// A fetch of `erp-prod` for shop:orders:r (a computed property: `[String: Any]` is not Sendable).
    static var fetchNeed: [String: Any] { ["name": "erp-prod", "project": "shop", "resource": "orders", "permission": "r"] }

    /// Prints a figure for docs/service-reliability-notes.md.
    static func figure(_ text: String) { print("FIGURE|\(text)") }

    /// A sandbox with `erp-prod` (grant shop:orders:r, secret `erp-secret-1`).
    static func vault() throws -> Sandbox {
        let box = try Sandbox()
        box.add("erp-prod", secret: "erp-secret-1", grant: "shop:orders:r")
        return box
    }

    // MARK: - 1. Happy paths

    @Test("health, fetch, verify, filtered listings, admin over a bearer token, metrics")
    func happyPaths() throws {
        let box = try Self.vault()
        box.add("other", secret: "other-secret-1", grant: "*:*:r")
        let issued = box.run(["issue", "tok", "--grant", "shop:orders:r", "--expires-in", "30d"])
        try #require(issued.status == 0, "\(issued.err)")
        let issuedToken = issued.out.trimmingCharacters(in: .whitespacesAndNewlines)
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "erp-prod:shop:orders:r", "--allow", "tok:shop:orders:r"])
        let admin = box.principal(["root", "--token", "--admin", "--allow", "*:*:*:r"])
        let watcher = box.principal(["watcher", "--token", "--allow", "metrics"])
        var secrets = ["erp-secret-1", "other-secret-1", issuedToken, admin, watcher]

        try box.serving { server in
            // Health needs no principal; a fetch with a full need gets the secret, not to be cached.
            let health = server.curl("/v1/health")
            #expect(health.status == 200 && health.object["status"] as? String == "ready", "\(health)")
            let fetched = server.curl("/v1/fetch", ["--data-binary", Self.encoded(Self.fetchNeed), "-H", "Content-Type: application/json"])
            #expect(fetched.status == 200, "\(fetched)")
            #expect(fetched.headers["cache-control"] == "no-store")
            #expect(fetched.object["secret"] as? String == "erp-secret-1" && fetched.object["version"] as? Int == 1)

            // The principal sees what it may fetch, and nothing else.
            let app = try server.batch([
                .post("/v1/verify", ["token": issuedToken, "project": "shop", "resource": "orders", "permission": "r"]),
                .get("/v1/credentials"), .get("/v1/credentials/erp-prod"), .get("/v1/credentials/other"),
                .get("/v1/expiring?within=365d"), .get("/metrics"),
            ])
            let verified = app[0]
            #expect(verified.status == 200 && (verified.object["credential"] as? [String: Any])?["name"] as? String == "tok", "\(verified)")
            #expect(app[1].names == ["erp-prod", "tok"], "\(app[1])")
            #expect(app[2].status == 200 && app[2].object["name"] as? String == "erp-prod" && !app[2].body.contains("erp-secret-1"))
            #expect(app[3].status == 404 && app[3].errorKind == "not-found", "\(app[3])")
            #expect(app[4].status == 200 && app[4].expiringNames == ["erp-prod", "tok"], "\(app[4])")
            #expect(app[5].status == 403 && app[5].errorKind == "denied", "\(app[5])")

            // Metrics: an admin and a principal allowed `metrics`.
            let scraped = try server.batch([
                .get("/metrics", token: watcher), .get("/v1/credentials", token: watcher), .get("/metrics", token: admin),
            ])
            for metrics in [scraped[0], scraped[2]] {
                #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true, "\(metrics)")
                #expect(metrics.body.contains(#"tokenvault_requests_total{route="POST /v1/fetch",status="200"} 1"#), "\(metrics.body)")
                #expect(metrics.body.contains("tokenvault_open_connections "))
            }
            #expect(scraped[1].status == 200 && scraped[1].names == [], "a metrics scraper sees no credential")

            // The admin, by its bearer token: the trail, a seal, every credential.
            let adminView = try server.batch([
                .get("/v1/credentials", token: admin), .get("/v1/audit?action=fetch", token: admin), .post("/v1/audit/seal", token: admin),
            ])
            #expect(adminView[0].names == ["erp-prod", "other", "tok"], "\(adminView[0])")
            #expect(adminView[1].status == 200 && adminView[1].headers["content-type"] == "application/jsonl")
            let fetches = adminView[1].jsonLines
            #expect(fetches.count == 1 && fetches.first?["actor"] as? String == "principal:app", "\(adminView[1].body)")
            #expect((adminView[2].object["seal"] as? String)?.hasPrefix("tokenvault-seal v1\n") == true, "\(adminView[2])")

            // The admin report: the shape of `report --json`; refused (and audited) for others.
            let reports = try server.batch([.get("/v1/report?unused_for=30d", token: admin), .get("/v1/report", token: watcher)])
            #expect(reports[0].status == 200 && reports[0].object["risks"] is Bool && reports[0].object["unused"] is [Any], "\(reports[0])")
            #expect(reports[1].status == 403 && reports[1].errorKind == "denied", "\(reports[1])")

            // Principals over the API: add (the token once, not to be cached), show, rename,
            // rotate the token, remove; each token works exactly while it should.
            let added = try server.call(.post("/v1/principals", ["name": "ci", "token": true, "allow": ["erp-prod:shop:orders:r"]], token: admin))
            #expect(added.status == 201 && added.headers["cache-control"] == "no-store", "\(added)")
            let ciToken = try #require(added.object["token"] as? String)
            let renamedAndRotated = try server.batch([
                .post("/v1/fetch", Self.fetchNeed, token: ciToken), .get("/v1/principals/ci", token: admin),
                .post("/v1/principals/ci/rename", ["name": "ci2"], token: admin), .post("/v1/principals/ci2/rotate-token", token: admin),
            ])
            #expect(renamedAndRotated[0].status == 200 && renamedAndRotated[0].object["secret"] as? String == "erp-secret-1")
            #expect(renamedAndRotated[1].object["allow"] as? [String] == ["erp-prod:shop:orders:r"] && renamedAndRotated[1].object["token"] == nil)
            #expect(renamedAndRotated[2].status == 200, "\(renamedAndRotated[2])")
            let rotatedToken = try #require(renamedAndRotated[3].object["token"] as? String, "\(renamedAndRotated[3])")
            let afterRotation = try server.batch([
                .post("/v1/fetch", Self.fetchNeed, token: ciToken), .post("/v1/fetch", Self.fetchNeed, token: rotatedToken),
                .delete("/v1/principals/ci2", token: admin), .post("/v1/fetch", Self.fetchNeed, token: rotatedToken),
                .get("/v1/principals", token: admin),
            ])
            #expect(afterRotation.map(\.status) == [401, 200, 200, 401, 200], "\(afterRotation)")
            #expect(afterRotation[4].names == ["app", "root", "watcher"])
            secrets += [ciToken, rotatedToken]

            // A credential's whole life over the API.
            let need: [String: Any] = ["project": "shop", "resource": "orders", "permission": "r"]
            let life = try server.batch([
                .post(
                    "/v1/credentials", ["name": "newc", "secret": "new-secret-1", "grants": ["shop:orders:r"], "expires_in": "30d"], token: admin),
                .post("/v1/fetch", need.merging(["name": "newc"]) { $1 }, token: admin),
                .post("/v1/credentials/newc/rotate", ["secret": "new-secret-2"], token: admin),
                .post("/v1/fetch", need.merging(["name": "newc"]) { $1 }, token: admin),
                .post("/v1/credentials/newc/revoke", ["version": 1], token: admin),
                .post("/v1/fetch", need.merging(["name": "newc", "version": 1]) { $1 }, token: admin),
                .post("/v1/credentials/newc/rename", ["name": "newc2"], token: admin),
                .post("/v1/fetch", need.merging(["name": "newc2"]) { $1 }, token: admin),
                .post("/v1/credentials/newc2/revoke", token: admin),
                .post("/v1/fetch", need.merging(["name": "newc2"]) { $1 }, token: admin),
                .delete("/v1/credentials/newc2", token: admin),
                .get("/v1/credentials/newc2", token: admin),
            ])
            #expect(life.map(\.status) == [201, 200, 200, 200, 200, 403, 200, 200, 200, 403, 200, 404], "\(life)")
            #expect(!life[0].body.contains("new-secret-1"))
            #expect(life[1].object["secret"] as? String == "new-secret-1" && life[1].object["version"] as? Int == 1)
            #expect(life[2].object["version"] as? Int == 2)
            #expect(life[3].object["secret"] as? String == "new-secret-2" && life[3].object["version"] as? Int == 2)
            #expect(life[7].object["secret"] as? String == "new-secret-2")
            #expect(life[9].errorKind == "denied" && life[11].errorKind == "not-found")
            secrets += ["new-secret-1", "new-secret-2"]

            // Each change is audited as the admin principal, known by its token.
            let rootID = try server.tokenID(of: "root", admin: admin)
            let changes = try server.call(.get("/v1/audit?actor=principal:root", token: admin)).jsonLines
            let actions = changes.filter { $0["outcome"] as? String == "ok" }.map { $0["action"] as? String ?? "" }
            for action in [
                "add", "rotate", "revoke", "rename", "delete", "principal-add", "principal-rename", "principal-rotate-token", "principal-remove",
            ] {
                #expect(actions.contains(action), "no \(action) in \(actions)")
            }
            #expect(changes.allSatisfy { $0["actor_kind"] as? String == "principal" && $0["peer"] as? String == "token=\(rootID)" })
        }
        Self.expectCleanLog(box, secrets: secrets)
    }

    // MARK: - 2. Audit identity (C28)

    @Test("events name the principal, its peer and on-behalf-of; declared names never become the actor")
    func auditIdentity() throws {
        let box = try Self.vault()
        box.add("other", secret: "other-secret-1", grant: "*:*:r")
        let admin = box.principal(["root", "--token", "--admin"])
        let firstServiceEvent = box.auditEvents().count + 1
        var bot = ""
        var peers: (unknown: Int, app: Int) = (0, 0)

        // The server declares an actor (--actor, and TOKENVAULT_ACTOR=cli-test in the sandbox).
        try box.serving(global: ["--actor", "declared-name"]) { server in
            // No principal has this user id yet: 401, audited.
            let unknown = try server.batch([.post("/v1/fetch", Self.fetchNeed)])
            #expect(unknown[0].status == 401 && unknown[0].errorKind == "unauthenticated", "\(unknown[0])")
            #expect(unknown[0].headers["www-authenticate"] == "Bearer" && !unknown[0].body.contains("erp-secret-1"))
            peers.unknown = unknown.pid

            let added = try server.call(
                .post("/v1/principals", ["name": "app", "uid": Self.uid, "allow": ["erp-prod:shop:orders:r"]], token: admin))
            #expect(added.status == 201, "\(added)")

            let app = try server.batch([
                .post("/v1/fetch", Self.fetchNeed, headers: ["TokenVault-On-Behalf-Of": "job-42"]),
                .post("/v1/fetch", Self.fetchNeed.merging(["actor": "mallory"]) { $1 }),
                .post("/v1/fetch", Self.fetchNeed.merging(["permission": "d"]) { $1 }, headers: ["TokenVault-On-Behalf-Of": "job-43"]),
                .post("/v1/fetch", Self.fetchNeed.merging(["name": "other"]) { $1 }),
            ])
            peers.app = app.pid
            #expect(app[0].status == 200 && app[0].object["secret"] as? String == "erp-secret-1", "\(app[0])")
            #expect(app[1].status == 400 && app[1].errorKind == "usage", "a declared actor in the body is refused: \(app[1])")
            for refused in [app[2], app[3]] {
                #expect(refused.status == 403 && refused.errorKind == "denied", "\(refused)")
                #expect(!refused.body.contains("erp-secret-1") && !refused.body.contains("other-secret-1") && refused.object["secret"] == nil)
            }

            // A token principal: its peer is its token's id.
            let created = try server.call(.post("/v1/principals", ["name": "bot", "token": true, "allow": ["*:shop:orders:r"]], token: admin))
            let botToken = try #require(created.object["token"] as? String, "\(created)")
            bot = try server.tokenID(of: "bot", admin: admin)
            let viaCurl = server.curl(
                "/v1/fetch",
                [
                    "--data-binary", Self.encoded(Self.fetchNeed), "-H", "Authorization: Bearer \(botToken)", "-H", "TokenVault-On-Behalf-Of: job-44",
                ])
            #expect(viaCurl.status == 200, "\(viaCurl)")
        }

        let events = Array(box.auditEvents().dropFirst(firstServiceEvent - 1))
        let actors = Set(events.compactMap { $0["actor"] as? String })
        #expect(actors == ["unauthenticated", "principal:root", "principal:app", "principal:bot"], "\(actors)")
        #expect(events.allSatisfy { $0["actor_kind"] as? String != "declared" }, "\(events)")

        let refusal = try #require(events.first { $0["action"] as? String == "authenticate" })
        #expect(refusal["actor"] as? String == "unauthenticated" && refusal["actor_kind"] as? String == "unauthenticated")
        #expect(refusal["outcome"] as? String == "denied" && refusal["peer"] as? String == "uid=\(Self.uid) pid=\(peers.unknown)", "\(refusal)")

        let fetches = events.filter { $0["action"] as? String == "fetch" }
        let ok = try #require(fetches.first { $0["on_behalf_of"] as? String == "job-42" }, "\(fetches)")
        #expect(ok["actor"] as? String == "principal:app" && ok["actor_kind"] as? String == "principal" && ok["outcome"] as? String == "ok")
        #expect(ok["peer"] as? String == "uid=\(Self.uid) pid=\(peers.app)" && ok["credential_name"] as? String == "erp-prod", "\(ok)")
        let denied = fetches.filter { $0["outcome"] as? String == "denied" }
        #expect(
            denied.count == 2 && denied.allSatisfy { $0["actor"] as? String == "principal:app" && $0["peer"] as? String == ok["peer"] as? String })
        #expect(denied.compactMap { $0["on_behalf_of"] as? String } == ["job-43"])
        #expect(Set(denied.compactMap { $0["credential_name"] as? String }) == ["erp-prod", "other"])
        let byToken = try #require(fetches.first { $0["on_behalf_of"] as? String == "job-44" }, "\(fetches)")
        #expect(byToken["actor"] as? String == "principal:bot" && byToken["peer"] as? String == "token=\(bot)", "\(byToken)")
        Self.expectCleanLog(box, secrets: ["erp-secret-1", "other-secret-1", admin])
    }

    // MARK: - 3. Unhappy paths

    @Test("bad requests are refused with their status and kind, and change nothing")
    func unhappyPaths() throws {
        let box = try Self.vault()
        box.add("gone", secret: "gone-secret-1", grant: "shop:orders:r")
        #expect(box.run(["revoke", "gone"]).status == 0)
        let shortLived = Date()
        #expect(box.run(["add", "short", "--grant", "shop:orders:r", "--expires-in", "1s"], input: "short-secret-1").status == 0)
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "*:shop:orders:r"])
        let admin = box.principal(["root", "--token", "--admin"])
        let secrets = ["erp-secret-1", "gone-secret-1", "short-secret-1", "sneaky-secret-1"]
        let need: [String: Any] = ["project": "shop", "resource": "orders", "permission": "r"]

        let cases: [(String, APIRequest, Int, String)] = [
            ("malformed JSON", .post("/v1/fetch", body: #"{"name": "erp-prod", "project": "shop""#), 400, "usage"),
            ("unknown field", .post("/v1/fetch", Self.fetchNeed.merging(["colour": "red"]) { $1 }), 400, "usage"),
            ("wrong field type", .post("/v1/fetch", Self.fetchNeed.merging(["name": 42]) { $1 }), 400, "usage"),
            ("missing field", .post("/v1/fetch", need), 400, "usage"),
            ("incomplete need", .post("/v1/fetch", ["name": "erp-prod", "project": "shop", "permission": "r"]), 400, "usage"),
            ("not an object", .post("/v1/fetch", body: #"["erp-prod"]"#), 400, "usage"),
            (
                "bad on-behalf-of", .post("/v1/fetch", Self.fetchNeed, headers: ["TokenVault-On-Behalf-Of": String(repeating: "x", count: 200)]), 400,
                "usage"
            ),
            ("unknown credential", .post("/v1/fetch", need.merging(["name": "nope"]) { $1 }), 404, "not-found"),
            ("revoked", .post("/v1/fetch", need.merging(["name": "gone"]) { $1 }), 403, "denied"),
            ("expired", .post("/v1/fetch", need.merging(["name": "short"]) { $1 }), 403, "denied"),
            ("bad method", .get("/v1/fetch"), 405, "usage"),
            ("unknown path", .get("/v1/secrets"), 404, "not-found"),
            (
                "add by a non-admin",
                .post("/v1/credentials", ["name": "sneaky", "secret": "sneaky-secret-1", "grants": ["*:*:crud"], "never_expires": true]), 403,
                "denied"
            ),
            ("delete by a non-admin", .delete("/v1/credentials/erp-prod"), 403, "denied"),
            ("revoke by a non-admin", .post("/v1/credentials/erp-prod/revoke"), 403, "denied"),
            ("principal by a non-admin", .post("/v1/principals", ["name": "me2", "token": true, "admin": true]), 403, "denied"),
            ("audit by a non-admin", .get("/v1/audit"), 403, "denied"),
            ("bad bearer", .get("/v1/credentials", token: "tva_" + String(repeating: "A", count: 49)), 401, "unauthenticated"),
            ("malformed bearer", .get("/v1/credentials", token: "not-a-token"), 401, "unauthenticated"),
            ("not a bearer", .get("/v1/credentials", headers: ["Authorization": "Basic cm9vdDpyb290"]), 401, "unauthenticated"),
        ]

        try box.serving { server in
            let snapshot: [APIRequest] = [.get("/v1/credentials", token: admin), .get("/v1/principals", token: admin)]
            // The short-lived credential has expired (a bounded wait: it lives 1 s).
            while Date().timeIntervalSince(shortLived) < 1.5 { Thread.sleep(forTimeInterval: 0.05) }
            let before = try server.batch(snapshot).map(\.body)
            #expect(before[0].contains(#""name":"short","kind":"stored","state":"expired""#), "\(before[0])")
            // Each case on its own connection, followed by the snapshot.
            for (name, request, status, kind) in cases {
                let answers = try server.batch([request] + snapshot)
                let refused = answers[0]
                #expect(refused.status == status && refused.errorKind == kind, "\(name): \(refused)")
                #expect(refused.object["message"] is String && refused.object.keys.sorted() == ["error", "hint", "message"], "\(name): \(refused)")
                #expect(secrets.allSatisfy { !refused.body.contains($0) }, "\(name): \(refused)")
                #expect(answers.dropFirst().map(\.body) == before, "\(name) changed the vault")
                if status == 405 { #expect(refused.headers["allow"] == "POST", "\(refused.headers)") }
                if status == 401 { #expect(refused.headers["www-authenticate"] == "Bearer") }
            }
        }
        // The non-admin's attempts are audited refusals.
        let refusals = box.auditEvents().filter { $0["actor"] as? String == "principal:app" && $0["outcome"] as? String == "denied" }
        let refusedActions = refusals.map { $0["action"] as? String ?? "" }
        for action in ["add", "delete", "revoke", "principal-add", "read", "fetch"] {
            #expect(refusedActions.contains(action), "no refused \(action) in \(refusedActions)")
        }
        #expect(refusals.first { $0["action"] as? String == "add" }?["reason"] as? String == "not an admin")
        #expect(box.run(["audit", "verify"]).status == 0)
        Self.expectCleanLog(box, secrets: secrets + [admin])
    }

    @Test("a principal row edited without the key: 500 integrity, audited, and audit verify names it")
    func tamperedPrincipal() throws {
        let box = try Self.vault()
        box.add("other", secret: "other-secret-1", grant: "*:*:crud")
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "erp-prod:shop:orders:r"])
        let before = box.auditEvents().count
        var pid = 0
        try box.serving { server in
            #expect(try server.call(.post("/v1/fetch", Self.fetchNeed)).status == 200)
            let edit = try box.connection()
            try edit.execute("UPDATE principals SET allow = 'erp-prod:shop:orders:r other:*:*:crud' WHERE name = 'app'", [])
            try #require(edit.changes == 1)
            let answers = try server.batch([
                .post("/v1/fetch", ["name": "other", "project": "a", "resource": "b", "permission": "d"]), .post("/v1/fetch", Self.fetchNeed),
                .get("/v1/credentials"),
            ])
            pid = answers.pid
            for answer in answers {
                #expect(answer.status == 500 && answer.errorKind == "integrity", "\(answer)")
                #expect(!answer.body.contains("secret-1"))
            }
        }
        let verify = box.run(["audit", "verify"])
        #expect(verify.status == 6, "\(verify.out)\(verify.err)")
        #expect((verify.out + verify.err).contains("principals row") && (verify.out + verify.err).contains("'app'"), "\(verify.out)\(verify.err)")
        // The refusals are audited as the caller the service could not authenticate, never as
        // the server's declared actor.
        let events = box.auditEvents().dropFirst(before)
        let errors = events.filter { $0["outcome"] as? String == "error" }
        #expect(errors.count == 3, "\(Array(events))")
        for event in errors {
            #expect(event["reason"] as? String == "principals row fails its MAC" && event["credential_name"] as? String == "app", "\(event)")
            #expect(event["actor"] as? String == "unauthenticated" && event["peer"] as? String == "uid=\(Self.uid) pid=\(pid)", "\(event)")
        }
        Self.expectCleanLog(box, secrets: ["erp-secret-1", "other-secret-1"])
    }

    @Test("--rate-limit 2: a burst is answered 429 past 4 requests, unaudited, then served again")
    func rateLimit() throws {
        let box = try Self.vault()
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "erp-prod:shop:orders:r"])
        let before = box.auditEvents().count
        var served = 0
        try box.serving(["--rate-limit", "2"]) { server in
            let burst = try server.batch(Array(repeating: .post("/v1/fetch", Self.fetchNeed), count: 12))
            served = burst.filter { $0.status == 200 }.count
            let limited = burst.filter { $0.status == 429 }
            #expect((4...6).contains(served) && served + limited.count == 12, "\(burst.map(\.status))")
            #expect(limited.allSatisfy { $0.errorKind == "rate-limited" && !$0.body.contains("erp-secret-1") }, "\(limited)")
            // Two tokens a second: within a bounded wait, one more is served.
            var again = 0
            for _ in 0..<20 where again != 200 {
                Thread.sleep(forTimeInterval: 0.1)
                again = try server.call(.post("/v1/fetch", Self.fetchNeed)).status
                served += again == 200 ? 1 : 0
            }
            #expect(again == 200)
        }
        let fetches = box.auditEvents().dropFirst(before).filter { $0["action"] as? String == "fetch" }
        #expect(fetches.count == served && fetches.allSatisfy { $0["outcome"] as? String == "ok" }, "only served requests are audited")
        Self.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    // MARK: - 4. Hostile callers (V3)

    @Test("oversized, chunked and half-closed requests; a slowloris; 10,000 fuzzed requests; 1,000 idle connections")
    func hostileCallers() throws {
        let box = try Self.vault()
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "erp-prod:shop:orders:r", "--allow", "metrics"])
        let bound = 200 * 1_024  // KiB
        try box.serving(["--max-connections", "2000"]) { server in
            let start = try #require(server.residentKiB())

            let framing = try Self.document(box.python("hostile.py", [server.socket, "framing"]))
            #expect(Self.encoded(framing["oversized_head"]) == "[431,\"eof\"]", "\(framing)")
            #expect(Self.encoded(framing["oversized_body"]) == "[413,\"eof\"]", "\(framing)")
            #expect(Self.encoded(framing["chunked"]) == "[411,\"eof\"]", "\(framing)")
            #expect(Self.encoded(framing["half_closed_complete"]) == "[200,\"eof\",true]", "answered, then closed: \(framing)")
            #expect(Self.encoded(framing["half_closed_partial"]) == "[null,\"eof\",0]", "closed without an answer: \(framing)")
            #expect(Self.encoded(framing["half_closed_pipelined"]) == "[2,\"eof\"]", "\(framing)")

            // A slowloris never finishes its head; meanwhile another client fetches, then (once
            // its latencies are measured) the fuzzer runs while the slowloris waits for its 408.
            let marker = box.file("slowloris-measured")
            let slowloris = box.startPython("hostile.py", [server.socket, "slowloris", marker])
            defer { _ = Self.finish(slowloris, seconds: 0) }  // killed if still running when the test fails early
            var waited = 0
            while !FileManager.default.fileExists(atPath: marker) && waited < 300 {
                Thread.sleep(forTimeInterval: 0.05)
                waited += 1
            }
            #expect(FileManager.default.fileExists(atPath: marker), "the slowloris client did not measure")

            let corpus = repositoryRoot + "/Tests/Fuzz/corpus"
            let fuzzed = try Self.document(box.python("fuzz_requests.py", [server.socket, corpus, "10000", "7", "4"], timeout: 320))
            let statuses = fuzzed["statuses"] as? [String: Int] ?? [:]
            #expect(fuzzed["error_count"] as? Int == 0 && fuzzed["answered"] as? Int ?? 0 > 5_000, "\(fuzzed)")
            #expect(
                statuses.keys.allSatisfy { ["200", "400", "401", "403", "404", "405", "411", "413", "414", "429", "431", "505"].contains($0) },
                "\(statuses)")
            let afterFuzz = try #require(server.residentKiB())

            let slow = try Self.document(Self.finish(slowloris, seconds: 20))
            #expect(slow["slow_status"] as? Int == 408 && slow["slow_ending"] as? String == "eof", "\(slow)")
            #expect((4.5...8).contains(slow["slow_seconds"] as? Double ?? 0), "the 5 s read timeout: \(slow)")
            #expect(slow["fetch_ok"] as? Int == slow["fetches"] as? Int && slow["fetches"] as? Int ?? 0 >= 10, "\(slow)")
            // Latencies include the client's connect; the bounds are loose for a loaded 2-core machine.
            #expect(slow["median_latency"] as? Double ?? 1 < 0.1 && slow["max_latency"] as? Double ?? 1 < 1, "the other client waited: \(slow)")

            let idle = try Self.document(box.python("hostile.py", [server.socket, "idle", "1000", "\(server.pid)"]))
            #expect(idle["open_connections_held"] as? Int ?? 0 >= 1_000 && idle["held_alive"] as? Int == 1_000, "\(idle)")
            #expect(idle["fetch_ok"] as? Int == 20, "\(idle)")
            #expect(idle["median_latency"] as? Double ?? 1 < 0.1 && idle["max_latency"] as? Double ?? 1 < 1, "\(idle)")
            #expect(idle["open_connections_after"] as? Int == 1, "\(idle)")
            let held = idle["rss_kib_held"] as? Int ?? .max

            // Still serving, memory bounded.
            let last = try server.batch([.get("/v1/health"), .post("/v1/fetch", Self.fetchNeed)])
            #expect(last.map(\.status) == [200, 200] && last[1].object["secret"] as? String == "erp-secret-1")
            let end = try #require(server.residentKiB())
            for rss in [afterFuzz, held, end] { #expect(rss < bound, "VmRSS \(rss) KiB") }
            Self.figure(
                "serve VmRSS (KiB): start \(start), after 10,000 fuzzed requests \(afterFuzz), 1,000 idle connections held \(held), end \(end)")
            let fuzzStatuses = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            Self.figure("fuzzed requests by status: \(fuzzStatuses); closed without an answer: \(fuzzed["unanswered"] ?? 0)")
            Self.figure(
                "slowloris answered \(slow["slow_status"] ?? "-") after \(slow["slow_seconds"] ?? "-") s; meanwhile \(slow["fetches"] ?? 0) fetches, max latency \(slow["max_latency"] ?? "-") s; with 1,000 idle connections, max latency \(idle["max_latency"] ?? "-") s"
            )
        }
        Self.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    @Test("--max-connections 8: the extra connections get 503 over-limits, then room again")
    func overConnectionLimit() throws {
        let box = try Self.vault()
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "erp-prod:shop:orders:r"])
        try box.serving(["--max-connections", "8"]) { server in
            let result = try Self.document(box.python("hostile.py", [server.socket, "over-limit", "8", "3"]))
            #expect(result["held_ok"] as? Int == 8, "\(result)")
            let extra = Self.encoded(result["extra"])
            #expect(extra == "[" + Array(repeating: #"[503,"over-limits",true,"eof"]"#, count: 3).joined(separator: ",") + "]", "\(result)")
            #expect(result["after_one_closed"] as? Int == 200, "\(result)")
        }
        Self.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    // MARK: - 6. Reliability (V4, C32)

    @Test("SIGKILL while 32 clients fetch: every acknowledged fetch is audited, the trail verifies, the server serves again")
    func killedWhileFetching() throws {
        let box = try Sandbox()
        box.add("kill-test", secret: "kill-secret-1", grant: "kill:test:r")
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "kill-test:kill:test:r"])
        let work = box.file("kill")
        let run = box.python(
            "kill_test.py", [toolURL.path, box.file("kill.sock"), work, "--kills", "3", "--fetches", "500", "--log", box.serverLog], timeout: 250)
        #expect(run.status == 0, "\(run.out)\(run.err)")
        let line = run.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = Dictionary(
            uniqueKeysWithValues: line.split(separator: " ").map { field in
                let parts = field.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), Int(parts.count == 2 ? parts[1] : "") ?? -1)
            })
        #expect(fields["kills"] == 3 && fields["unaudited"] == 0 && fields["fetches_acknowledged"] ?? 0 > 0, "\(line) \(run.err)")
        Self.figure(line)

        // Independently of the script: each acknowledged fetch (client-N-I, version) has its event.
        var acknowledged: [String: Int] = [:]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [] where file.hasSuffix(".acks") {
            let text = (try? String(contentsOfFile: work + "/" + file, encoding: .utf8)) ?? ""
            for entry in text.split(separator: "\n") {
                let parts = entry.split(separator: " ")
                acknowledged[String(parts[0])] = Int(parts[1])
            }
        }
        #expect(acknowledged.count == fields["fetches_acknowledged"])
        try box.serving(socket: "kill.sock") { server in
            let served = try server.call(.post("/v1/fetch", ["name": "kill-test", "project": "kill", "resource": "test", "permission": "r"]))
            #expect(served.status == 200 && served.object["secret"] as? String == "kill-secret-3", "the restarted server serves: \(served)")
        }
        var audited: [String: Int] = [:]
        for event in box.auditEvents() where event["action"] as? String == "fetch" && event["outcome"] as? String == "ok" {
            if let name = event["on_behalf_of"] as? String, let version = event["version"] as? Int { audited[name] = version }
        }
        let missing = acknowledged.filter { audited[$0.key] != $0.value }
        #expect(missing.isEmpty, "acknowledged but not audited (or with another version): \(missing.keys.sorted().prefix(10))")
        let verify = box.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.out)\(verify.err)")
        Self.expectCleanLog(box, secrets: ["kill-secret-1", "kill-secret-2", "kill-secret-3"])
    }

    // MARK: - 7. systemd

    @Test(
        "socket activation and notify: READY=1, a request in flight at SIGTERM answered, STOPPING=1, exit 0; not dumpable",
        .enabled(
            if: TestEngine.isSQLite || getuid() != 0, "run as root, it serves as nobody, who cannot reach the test cluster's socket (a 0700 folder)"))
    func systemdActivation() throws {
        let box = try Self.vault()
        box.principal(["app", "--uid", "\(Self.uid)", "--allow", "erp-prod:shop:orders:r"])
        let run = box.python("systemd_activation.py", [toolURL.path, box.path, "erp-secret-1"], timeout: 90)
        let result = try Self.document(run)
        let notifications = result["notifications"] as? [String] ?? []
        #expect(result["ready"] as? Bool == true && result["stopping"] as? Bool == true, "\(result) \(box.serverLogText)")
        let ready = notifications.firstIndex(of: "READY=1")
        let stopping = notifications.firstIndex(of: "STOPPING=1")
        #expect(ready != nil && stopping != nil && ready! < stopping!, "\(notifications)")
        #expect(result["health"] as? Int == 200 && result["fetch"] as? Int == 200 && result["fetched_secret"] as? Bool == true, "\(result)")
        #expect(result["in_flight_status"] as? Int == 200 && result["in_flight_secret"] as? Bool == true, "\(result)")
        #expect(result["in_flight_connection"] as? String == "close", "\(result)")
        #expect(result["exit"] as? Int == 0 && result["killed"] == nil, "\(result) \(box.serverLogText)")
        #expect(result["socket_file_kept"] as? Bool == true, "systemd's socket file is systemd's")
        // Not dumpable: another process of the server's user reads neither its environment nor
        // its memory (as root the server runs as nobody, so that this holds a meaning), and
        // there is no core file to leave.
        let proc = result["proc"] as? [String: Any] ?? [:]
        #expect(proc["prober_uid"] as? Int == result["running_uid"] as? Int, "\(result)")
        #expect(proc["environ"] as? String == "denied" && proc["mem"] as? String == "denied", "\(result)")
        #expect(result["core_limit"] as? String == "0", "\(result)")
        #expect(box.serverLogText.contains("on the socket systemd passed"), "\(box.serverLogText)")
        Self.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    // MARK: - 5. The server's log

    /// The server's standard error (every server of the sandbox), read once all its requests
    /// are answered: only the service's own lines, never a secret, a token or a request body.
    static func expectCleanLog(_ box: Sandbox, secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let log = box.serverLogText
        let bytes = Array(log.utf8)
        #expect(log.contains("tokenvault: serving "), "no log: \(log)", sourceLocation: sourceLocation)
        for secret in secrets where !secret.isEmpty {
            #expect(leakForms(secret).allSatisfy { !bytes.contains(bytes: $0) }, "the log holds a secret: \(log)", sourceLocation: sourceLocation)
        }
        for marker in ["tva_", "tvk_", "{", "\"", "Bearer", "On-Behalf-Of", "job-4", "client-", "HTTP/1.1"] {
            #expect(!log.contains(marker), "the log holds \(marker): \(log)", sourceLocation: sourceLocation)
        }
        for line in log.split(separator: "\n") {
            #expect(line.hasPrefix("tokenvault: "), "\(line)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Helpers

    /// `value` as compact JSON text.
    static func encoded(_ value: Any?) -> String {
        guard let value else { return "nil" }
        return String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    /// The JSON object a script printed.
    static func document(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(run.status == 0, "\(run.out)\(run.err)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any]
        return try #require(object, "\(run.out)", sourceLocation: sourceLocation)
    }

    /// Waits for a started script, at most `seconds` (then kills it).
    static func finish(_ child: Child, seconds: Double) -> Run {
        var status = child.wait(seconds: seconds)
        if status == nil {
            child.signal(SIGKILL)
            status = child.wait()
        }
        let output = child.output.map { [UInt8]($0.readDataToEndOfFile()) } ?? []
        return Run(status: status ?? -1, stdout: output, stderr: [])
    }
}

// MARK: - Clients

/// One request for Scripts/tvclient.py (Python's http.client over the Unix socket).
struct APIRequest {
    var method: String
    var target: String
    var json: Any?
    var body: String?
    var token: String?
    var headers: [String: String] = [:]

    static func get(_ target: String, token: String? = nil, headers: [String: String] = [:]) -> APIRequest {
        APIRequest(method: "GET", target: target, token: token, headers: headers)
    }

    static func post(_ target: String, _ json: Any? = nil, body: String? = nil, token: String? = nil, headers: [String: String] = [:]) -> APIRequest {
        APIRequest(method: "POST", target: target, json: json, body: body, token: token, headers: headers)
    }

    static func delete(_ target: String, token: String? = nil) -> APIRequest {
        APIRequest(method: "DELETE", target: target, token: token)
    }

    var dictionary: [String: Any] {
        var item: [String: Any] = ["method": method, "target": target, "headers": headers]
        if let json { item["json"] = json }
        if let body { item["body"] = body }
        if let token { item["token"] = token }
        return item
    }
}

/// A response as a client saw it (header names in lower case).
struct APIResponse: CustomStringConvertible {
    let status: Int
    let headers: [String: String]
    let body: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var errorKind: String? { object["error"] as? String }
    /// The `name` of each object of a JSON array (credentials, principals), sorted.
    var names: [String]? { (json as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() }
    /// The credentials' names of an `/v1/expiring` answer, sorted.
    var expiringNames: [String]? {
        (json as? [[String: Any]])?.compactMap { ($0["credential"] as? [String: Any])?["name"] as? String }.sorted()
    }
    /// A JSON Lines body, one object a line.
    var jsonLines: [[String: Any]] {
        body.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
    var description: String { "\(status) \(headers) \(body)" }
}

/// The responses of one batch, and the process that sent it (the peer the audit records).
struct APIBatch: RandomAccessCollection {
    let pid: Int
    let responses: [APIResponse]
    var startIndex: Int { responses.startIndex }
    var endIndex: Int { responses.endIndex }
    subscript(index: Int) -> APIResponse { responses[index] }
}

extension ServeProcess {
    /// Sends `requests` in order from one Python process (Scripts/tvclient.py).
    func batch(_ requests: [APIRequest], sourceLocation: SourceLocation = #_sourceLocation) throws -> APIBatch {
        let input = String(decoding: try JSONSerialization.data(withJSONObject: requests.map(\.dictionary)), as: UTF8.self)
        let run = box.python("tvclient.py", [socket], input: input, timeout: 90)
        try #require(run.status == 0, "\(run.out)\(run.err)", sourceLocation: sourceLocation)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any], sourceLocation: sourceLocation)
        let results = document["results"] as? [[String: Any]] ?? []
        return APIBatch(
            pid: document["pid"] as? Int ?? 0,
            responses: results.map { result in
                APIResponse(
                    status: result["status"] as? Int ?? 0, headers: result["headers"] as? [String: String] ?? [:],
                    body: result["body"] as? String ?? "")
            })
    }

    func call(_ request: APIRequest, sourceLocation: SourceLocation = #_sourceLocation) throws -> APIResponse {
        try batch([request], sourceLocation: sourceLocation)[0]
    }

    /// `curl --unix-socket` for `http://vault` + `target`, with `arguments` (a POST with
    /// `--data-binary`).
    func curl(_ target: String, _ arguments: [String] = []) -> APIResponse {
        let run = Sandbox.execute(
            "/usr/bin/env", ["curl", "-sS", "-i", "--max-time", "10", "--unix-socket", socket] + arguments + ["http://vault" + target], input: [],
            environment: box.environment, timeout: 20)
        return APIResponse(curlOutput: run)
    }

    /// The public id of a token principal's access token (`tva-…`), which its events' peer names.
    func tokenID(of principal: String, admin: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let shown = try call(.get("/v1/principals/\(principal)", token: admin))
        return try #require(shown.object["token_id"] as? String, "\(shown)", sourceLocation: sourceLocation)
    }
}

extension Sandbox {
    /// Adds a credential with one grant, expiring in 90 days.
    func add(_ name: String, secret: String, grant: String) {
        let added = run(["add", name, "--grant", grant, "--expires-in", "90d"], input: secret)
        precondition(added.status == 0, added.err)
    }

    /// `tokenvault principal add ARGUMENTS`: the token it printed (empty for a uid or gid).
    @discardableResult
    func principal(_ arguments: [String]) -> String {
        let added = run(["principal", "add"] + arguments)
        precondition(added.status == 0, added.err)
        return added.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every audit event, oldest first (`tokenvault audit --format jsonl`).
    func auditEvents() -> [[String: Any]] {
        let listed = run(["audit", "--format", "jsonl"])
        precondition(listed.status == 0, listed.err)
        return listed.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
