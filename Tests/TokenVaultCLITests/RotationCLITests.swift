import Foundation
import Testing
import TokenVaultStore

extension Sandbox {
    /// Writes a hook script and returns the command that runs it (through sh: see RotationTests).
    func hook(_ name: String, _ body: String) -> String {
        let path = file(name)
        precondition(
            FileManager.default.createFile(atPath: path, contents: Data(("#!/bin/sh\n" + body).utf8), attributes: [.posixPermissions: 0o700]))
        return "/bin/sh '\(path)'"
    }
}

/// The repository's own files (scripts/hooks), found from this source file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite("Rotation through the real binary")
struct RotationCLITests {
    @Test("rotate --from-stdin stores a secret given by hand, also for a credential with a hook of its own, on the file and through the service")
    func fromStdinBypassesTheOwnHook() throws {
        let box = try Sandbox()
        let marker = box.file("hook-ran")
        let hook = box.hook("own.sh", "touch '\(marker)'; cat >/dev/null; echo FROM-HOOK\n")
        let added = box.run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "30d", "--hook", hook], input: "v1")
        try #require(added.status == 0, "\(added.err)")

        let rotated = box.run(["rotate", "erp", "--from-stdin"], input: "v2-by-hand")
        #expect(rotated.status == 0 && rotated.out.contains("rotated 'erp' to version 2"), "\(rotated.err)")
        #expect(box.run(["get", "erp"]).out == "v2-by-hand")
        #expect(!FileManager.default.fileExists(atPath: marker))
        for extra in [["--hook", hook], ["--discard-pending"], ["--hook-timeout", "5s"]] {
            let refused = box.run(["rotate", "erp", "--from-stdin"] + extra, input: "v3")
            #expect(refused.status == 2 && refused.err.contains("--from-stdin"), "\(extra): \(refused.err)")
        }
        #expect(box.run(["get", "erp"]).out == "v2-by-hand")

        let token = box.principal(["admin", "--token", "--admin"])
        try box.write("admin.token", token)
        try box.serving { server in
            let client = [
                "PATH": "/usr/bin:/bin", "HOME": box.path, "TOKENVAULT_ADDR": server.socket, "TOKENVAULT_TOKEN_FILE": box.file("admin.token"),
            ]
            let plain = Sandbox.execute(toolURL.path, ["rotate", "erp"], input: Array("v3".utf8), environment: client, timeout: 30)
            #expect(plain.status == 2 && plain.err.contains("--from-stdin"), "\(plain.err)")
            let given = Sandbox.execute(
                toolURL.path, ["rotate", "erp", "--from-stdin"], input: Array("v3-by-hand".utf8), environment: client, timeout: 30)
            #expect(given.status == 0 && given.out.contains("to version 3"), "\(given.err)")
        }
        #expect(box.run(["get", "erp"]).out == "v3-by-hand")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test func rotateFromStandardInputWithGrace() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "90d"], input: "v1")
        let rotated = box.run(["rotate", "erp", "--grace", "1h"], input: "v2\n")
        #expect(rotated.status == 0, "\(rotated.err)")
        #expect(rotated.out.hasPrefix("rotated 'erp' to version 2"))
        #expect(box.run(["get", "erp"]).out == "v2")
        #expect(box.run(["get", "erp", "--version", "1"]).out == "v1")
        #expect(box.run(["revoke", "erp", "--version", "1"]).status == 0)
        #expect(box.run(["get", "erp", "--version", "1"]).status == 4)
        #expect(box.run(["revoke", "erp", "--version", "2"]).status == 2)
        #expect(box.run(["rotate", "erp", "--grace", "soon"], input: "v3").status == 2)
        #expect(box.run(["rotate", "erp", "--expires", "2020-01-01"], input: "v3").status == 2)
        #expect(box.run(["rotate", "nope"], input: "v3").status == 3)
        #expect(box.run(["rotate"]).status == 2)
        #expect(box.run(["rotate", "erp", "--expiring-within", "7d", "--hook", "true"]).status == 2)
        #expect(box.run(["get", "erp"]).out == "v2")  // none of the refusals changed anything
    }

    @Test func issuedTokensRotateByMintingAndPrintOnce() throws {
        let box = try Sandbox()
        let old = box.run(["issue", "svc", "--grant", "api:*:r"]).out
        let rotated = box.run(["rotate", "svc", "--retire-after-first-use"])
        #expect(rotated.status == 0)
        #expect(rotated.out.hasPrefix("tvk_") && rotated.out != old)
        #expect(rotated.err.contains("shown once"))
        #expect(box.run(["verify"], input: old).status == 0)
        #expect(box.run(["verify"], input: rotated.out).status == 0)
        #expect(box.run(["verify"], input: old).status == 4)
    }

    /// A process killed mid-rotation leaves a pending version (docs/reliability.md, A1); the next
    /// run resumes it, and nothing is half-written in between.
    @Test func aRotationKilledMidWayIsResumedByTheNextRun() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "90d"], input: "old-token")
        let pidFile = box.file("hook.pid")
        let slow = box.hook(
            "slow.sh",
            """
            case "$TOKENVAULT_STEP" in
              create) cat >/dev/null; echo "token-from-first-run" ;;
              test) cat >/dev/null; echo $$ > '\(pidFile)'; sleep 60 ;;
            esac
            """)
        let process = box.start(["rotate", "erp", "--hook", slow])
        // Wait until the pending version is committed and the test step is running.
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: pidFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(FileManager.default.fileExists(atPath: pidFile))
        process.signal(SIGKILL)
        #expect(process.wait() == 128 + SIGKILL)
        if let hookPID = try? String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            let pid = Int32(hookPID)
        {
            kill(pid, SIGKILL)
        }
        if box.isFile { #expect(try box.sql("PRAGMA integrity_check")[0].string(0) == "ok") }  // a file's own check
        #expect(
            try box.sql("SELECT version, state FROM secret_versions ORDER BY version").map { "\($0.int64(0)!):\($0.string(1)!)" } == [
                "1:current", "2:pending",
            ])
        #expect(box.run(["get", "erp"]).out == "old-token")  // the current version is untouched

        let good = box.hook(
            "good.sh",
            """
            case "$TOKENVAULT_STEP" in
              create) cat >/dev/null; echo "token-from-second-run" ;;
              test) grep -q token-from ;;
            esac
            """)
        let resumed = box.run(["rotate", "erp", "--hook", good])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.out.contains("(resumed)"))
        #expect(box.run(["get", "erp"]).out == "token-from-first-run")
        #expect(try box.sql("SELECT count(*) FROM secret_versions WHERE state = 'current'")[0].int64(0) == 1)
        #expect(try box.sql("SELECT count(*) FROM rotation_leases")[0].int64(0) == 0)
    }

    @Test func twoCronRunsAtOnceRotateEachCredentialOnce() throws {
        let box = try Sandbox()
        for index in 0..<4 {
            box.run(["add", "due-\(index)", "--grant", "*:*:r", "--expires-in", "3d", "--issuer", "xentral"], input: "old-\(index)")
        }
        box.run(["add", "later", "--grant", "*:*:r", "--expires-in", "90d"], input: "keep")
        let hook = box.hook(
            "cron.sh",
            """
            cat >/dev/null
            case "$TOKENVAULT_STEP" in create) sleep 0.3; echo "new-$TOKENVAULT_NAME-$$" ;; esac
            exit 0
            """)
        let arguments = ["rotate", "--expiring-within", "7d", "--hook", hook, "--expires-in", "90d", "--json"]
        let collected = Collected<Run>()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in collected.append(box.run(arguments)) }
        let runs = collected.items
        #expect(runs.allSatisfy { $0.status == 0 })
        let summaries = runs.compactMap { try? JSONSerialization.jsonObject(with: Data($0.out.utf8)) as? [String: Any] }
        #expect(summaries.count == 2)
        let rotated = summaries.compactMap { $0["rotated"] as? Int }.reduce(0, +)
        let failed = summaries.compactMap { $0["failed"] as? Int }.reduce(0, +)
        #expect(rotated == 4)
        #expect(failed == 0)
        for index in 0..<4 {
            let versions = try box.sql(
                "SELECT count(*) FROM secret_versions v JOIN credentials c ON c.id = v.credential_id WHERE c.name = 'due-\(index)'")
            #expect(versions[0].int64(0) == 2, "due-\(index) rotated more than once")
        }
        #expect(box.run(["get", "later"]).out == "keep")
        let again = box.run(arguments)
        #expect((try JSONSerialization.jsonObject(with: Data(again.out.utf8)) as? [String: Any])?["rotated"] as? Int == 0)
        let failing = box.run(["rotate", "--expiring-within", "365d", "--hook", "cat >/dev/null; exit 5"])
        #expect(failing.status == 1)
        #expect(failing.out.contains("rotated 0, skipped 0, failed 5"))
    }

    @Test func expiringExitCodesJsonAndICS() throws {
        let box = try Sandbox()
        #expect(box.run(["expiring"]).status == 0)
        box.run(["add", "never", "--legacy"], input: "x")
        #expect(box.run(["expiring"]).status == 0)  // never-expiring is flagged, not due
        box.run(["add", "month", "--grant", "*:*:r", "--expires-in", "20d", "--issuer", "xentral, GmbH; DE"], input: "x")
        #expect(box.run(["expiring"]).status == 1)
        #expect(box.run(["expiring", "--within", "14d"]).status == 0)
        box.run(["add", "soon", "--grant", "*:*:r", "--expires-in", "2d"], input: "x")
        let critical = box.run(["expiring", "--json"])
        #expect(critical.status == 2)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(critical.out.utf8)) as? [[String: Any]])
        #expect(entries.map { "\($0["name"]!):\($0["status"]!)" } == ["soon:critical", "month:warning", "never:never"])
        #expect(box.run(["expiring", "--critical", "1d"]).status == 1)
        // Monitor mode: a failure is 3 (UNKNOWN), so that 2 means critical only.
        let unknown = box.run(["expiring", "--within", "banana"])
        #expect(unknown.status == 3 && unknown.err.hasPrefix("tokenvault: error: invalid duration"))
        #expect(box.run(["expiring", "--bogus"]).status == 3)
        #expect(box.run(["expiring"], environment: ["TOKENVAULT_PATH": try box.absentVault()]).status == 3)

        // A feed is written and exits 0, whatever is due; every expiry unless --within is given.
        box.run(["add", "far", "--grant", "*:*:r", "--expires-in", "170d"], input: "x")
        #expect(box.run(["expiring", "--ics", "--within", "60d"]).out.components(separatedBy: "BEGIN:VEVENT").count == 3)
        let ics = box.run(["expiring", "--ics"])
        #expect(ics.status == 0)
        let text = ics.out
        #expect(text.hasSuffix("\r\n"))
        let physical = text.components(separatedBy: "\r\n").dropLast()
        #expect(physical.allSatisfy { $0.utf8.count <= 75 })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // Unfold (RFC 5545 §3.1) and read the events back.
        let lines = text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "BEGIN:VCALENDAR" && lines.last == "END:VCALENDAR")
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 3)
        #expect(lines.filter { $0 == "END:VEVENT" }.count == 3)
        let summaries = lines.filter { $0.hasPrefix("SUMMARY:") }
        #expect(summaries == ["SUMMARY:Token 'soon' expires", "SUMMARY:Token 'month' expires", "SUMMARY:Token 'far' expires"])
        #expect(lines.contains { $0.hasPrefix("DESCRIPTION:") && $0.contains("Issuer: xentral\\, GmbH\\; DE.") })
        let starts = lines.filter { $0.hasPrefix("DTSTART;VALUE=DATE:") }.map { String($0.dropFirst(19)) }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let expected = formatter.string(from: Date().addingTimeInterval(2 * 86_400))
        #expect(starts.first == expected)
        #expect(Set(lines.filter { $0.hasPrefix("UID:") }).count == 3)
    }

    @Test func connectionTestThroughTheBinary() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "tested-token")
        let passed = box.run(["test", "erp", "--hook", "grep -qx tested-token"])
        #expect(passed.status == 0)
        #expect(passed.out == "connection test of 'erp': passed\n")
        #expect(box.run(["show", "erp"]).out.contains("last test:    passed at "))
        let failed = box.run(["test", "erp", "--hook", "cat >/dev/null; exit 2"])
        #expect(failed.status == 1)
        #expect(box.run(["show", "erp", "--json"]).out.contains("\"last_test\":{\"passed\":false,\"detail\":\"exit status 2\""))
        let hung = box.run(["test", "erp", "--hook", "sleep 30", "--hook-timeout", "1s"])
        #expect(hung.status == 1)
        #expect(hung.out.contains("timed out"))
        #expect(box.run(["test", "erp"]).status == 2)
        #expect(box.run(["test", "nope", "--hook", "true"]).status == 3)
    }

    @Test func theAdminDropHookPicksUpAndShredsTheDroppedToken() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:crud", "--expires-in", "90d", "--issuer", "xentral"], input: "old-admin-token")
        let dropDir = box.file("drop")
        try FileManager.default.createDirectory(atPath: dropDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let hook = "/bin/sh '\(repositoryRoot)/scripts/hooks/admin-drop.sh'"
        let environment = ["TOKENVAULT_DROP_DIR": dropDir]
        let early = box.run(["rotate", "erp", "--hook", hook], environment: environment)
        #expect(early.status == 1)
        #expect(early.err.contains("no new token for 'erp'"))
        let dropped = dropDir + "/erp.token"
        precondition(
            FileManager.default.createFile(
                atPath: dropped, contents: Data("new-admin-token-0123456789\n".utf8), attributes: [.posixPermissions: 0o600]))
        let rotated = box.run(["rotate", "erp", "--hook", hook, "--grace", "24h"], environment: environment)
        #expect(rotated.status == 0, "\(rotated.err)")
        #expect(box.run(["get", "erp"]).out == "new-admin-token-0123456789")
        #expect(!FileManager.default.fileExists(atPath: dropped))
        #expect(!rotated.out.contains("new-admin-token") && !rotated.err.contains("new-admin-token"))
    }

    /// The curl hook against a local HTTP API on 127.0.0.1 that rotates bearer tokens.
    @Test func theHTTPHookRotatesThroughALocalAPI() throws {
        let box = try Sandbox()
        let server = try LocalTokenAPI(initialToken: "api-token-1", directory: box.path)
        defer { server.stop() }
        box.run(["add", "api", "--grant", "*:*:r", "--expires-in", "30d", "--api-url", server.url], input: "api-token-1")
        let hook = "/bin/sh '\(repositoryRoot)/scripts/hooks/http-api.sh'"
        let rotated = box.run(["rotate", "api", "--hook", hook])
        #expect(rotated.status == 0, "\(rotated.err)")
        let current = box.run(["get", "api"]).out
        #expect(current.hasPrefix("api-token-") && current != "api-token-1")
        #expect(server.currentToken() == current)
        #expect(box.run(["test", "api", "--hook", hook]).status == 0)
        // The server now refuses the old token, so a rotation with a stale vault copy fails cleanly.
        server.setCurrentToken("rotated-elsewhere")
        let stale = box.run(["rotate", "api", "--hook", hook])
        #expect(stale.status == 1)
        #expect(box.run(["get", "api"]).out == current)
    }
}

/// A tiny token-rotation API on 127.0.0.1 (python3's http.server), for the curl hook.
/// POST /tokens/rotate with the current bearer token returns a new one; GET /whoami answers
/// 200 for the current token and 401 otherwise.
final class LocalTokenAPI {
    private let server: Child
    let url: String
    private let stateFile: String

    init(initialToken: String, directory: String) throws {
        stateFile = directory + "/api-token"
        let scriptFile = directory + "/api.py"
        try initialToken.write(toFile: stateFile, atomically: true, encoding: .utf8)
        try """
        import http.server, secrets, sys
        state = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def authorized(self):
                with open(state) as f:
                    return self.headers.get("Authorization") == "Bearer " + f.read()
            def reply(self, code, body=b""):
                self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            def do_POST(self):
                if self.path != "/tokens/rotate" or not self.authorized(): return self.reply(401)
                new = "api-token-" + secrets.token_hex(16)
                with open(state, "w") as f: f.write(new)
                self.reply(200, new.encode())
            def do_GET(self):
                self.reply(200 if self.path == "/whoami" and self.authorized() else 401)
            def log_message(self, *args): pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        server = Child(["/usr/bin/env", "python3", scriptFile, stateFile], environment: ProcessInfo.processInfo.environment, captureOutput: true)
        var port = ""
        while !port.hasSuffix("\n"), let byte = try server.output?.read(upToCount: 1), !byte.isEmpty {
            port += String(decoding: byte, as: UTF8.self)
        }
        url = "http://127.0.0.1:\(port.trimmingCharacters(in: .whitespacesAndNewlines))"
    }

    func currentToken() -> String { (try? String(contentsOfFile: stateFile, encoding: .utf8)) ?? "" }
    func setCurrentToken(_ token: String) { try? token.write(toFile: stateFile, atomically: true, encoding: .utf8) }
    func stop() {
        server.signal(SIGKILL)
        server.wait()
    }
}

/// Values appended from several threads.
final class Collected<Item: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `storage` is only touched under `lock`.
    private let lock = NSLock()
    private var storage: [Item] = []
    func append(_ item: Item) { lock.withLock { storage.append(item) } }
    var items: [Item] { lock.withLock { storage } }
}
