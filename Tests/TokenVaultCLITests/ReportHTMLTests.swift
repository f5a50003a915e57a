import Foundation
import Testing
import TokenVault
import TokenVaultReportHTML

/// Debian's `chromium`, which scripts/setup.sh installs when it can; nil where it is missing.
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs a test only where Chromium is installed, and says why it was skipped elsewhere.
let needsChromium = ConditionTrait.enabled(if: chromiumPath != nil, "chromium is not installed (scripts/setup.sh installs it as root)")

/// `report --html` and `GET /v1/report.html`: the page checked by Python's html.parser, loaded
/// in headless Chromium (a screenshot that must show the charts, a DOM in which no hostile name
/// became an element), its output options, and the service's route for admins only.
@Suite("report --html: the page, its escaping, a real browser, and GET /v1/report.html")
struct ReportHTMLTests {
    /// The hostile names, grants, labels and actors of ``ReportScene/populate(_:hostile:)``.
    static let payloads = [
        "<script>document.title='pwned'</script>", "<img src=x onerror=document.title='pwned'>",
    ]

    // MARK: - The page

    @Test("a lived-in vault's page is well formed, self-contained, and draws every chart with its numbers")
    func pageIsWellFormed() throws {
        let (box, page) = try ReportScene.page(hostile: false, at: "out/report.html")
        let check = try ReportScene.check(box, page)
        #expect(check.errors.isEmpty, "\(check.errors)")
        #expect(check.title == "TokenVault report")
        #expect(
            check.svgLabels == [
                "Credentials by issuer and state", "Credentials by finding", "Credentials expiring per day over the next 180 days",
                "Refused and failed attempts per day over the last 90 days", "Last connection test of the unrevoked credentials",
                "Events covered by the last seal and after it",
            ])
        #expect((check.counts["rect"] ?? 0) > 60, "\(check.counts)")
        // The numbers the fixture made: 2 expired and not revoked, 1 legacy, refusals by the
        // connectors, a failed connection test, the seal.
        for expected in [
            "xentral", "gitlab", "(no issuer)", "Expired, not revoked", "Within 7 days", "procuros-connector", "edi-sync",
            "last test failed", "Verified", "Events the seal covers", "Legacy",
        ] {
            #expect(check.text.contains(expected), "missing \(expected)")
        }
        // mode 0600, and the temporary file it was written through is gone
        let attributes = try FileManager.default.attributesOfItem(atPath: page)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.file("out")) == ["report.html"])
    }

    @Test("hostile names, grants, issuers, descriptions, actors and test details stay text on the page")
    func hostileStringsAreEscaped() throws {
        let (box, page) = try ReportScene.page(hostile: true)
        let source = try String(contentsOfFile: page, encoding: .utf8)
        let check = try ReportScene.check(box, page)
        #expect(check.errors.isEmpty, "\(check.errors)")
        #expect(check.title == "TokenVault report")
        for payload in Self.payloads {
            #expect(!source.contains(payload), "raw payload on the page: \(payload)")
            #expect(check.text.contains(payload), "the payload is not shown as text: \(payload)")
        }
        #expect(source.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"))
        #expect(!source.contains("<svg onload") && !source.contains("' onmouseover='"))
    }

    @Test("the same vault at the same time gives the same page, byte for byte")
    func deterministicGivenAClock() throws {
        let box = try ReportScene.populate(try Sandbox(), hostile: true)
        let pages = try (0..<2).map { _ in
            var configuration = Vault.Configuration(actor: "report-test")
            configuration.clock = .fixed(ReportScene.now)
            let vault = try Vault.open(at: box.vault, key: .keyFile(box.keyFile), configuration: configuration)
            var text = ""
            var page = HTMLReport(check: TrailCheck(try vault.verifyAuditTrail())) { text += $0 }
            try vault.report(into: &page)
            return text
        }
        #expect(pages[0] == pages[1])
        #expect(pages[0].contains("Made \(TimeFormat.iso8601(ReportScene.now))"))
    }

    @Test("a table longer than the page's limit shows 1,000 rows and counts the rest; JSON lists them all")
    func longTablesStopAtTheLimit() throws {
        let box = try Sandbox()
        var configuration = Vault.Configuration(actor: "report-test")
        configuration.durableCommits = false
        let vault = try Vault.open(at: box.vault, key: .keyFile(box.keyFile), configuration: configuration)
        for index in 0..<1_003 {
            _ = try vault.add(
                NewCredential(name: "forever-\(index)", scope: try Scope([Grant(parsing: "shop:orders:r")]), expiry: .never),
                secret: Secret(copying: Array("secret-\(index)-0123456789".utf8)))
        }
        var text = ""
        var page = HTMLReport(check: .intact(events: 0)) { text += $0 }
        let overview = try vault.report(into: &page)
        #expect(overview.flaggedCount == 1_003 && overview.count(of: .neverExpiring) == 1_003)
        let rows = text.components(separatedBy: "<span class=\"flag\">Never expires</span>").count - 1
        #expect(rows == 1_000)
        #expect(text.contains("The first 1,000 are shown; 3 more are left out"))
        let json = box.run(["report", "--json"])
        let names = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])["never_expiring"] as? [String]
        #expect(names?.count == 1_003 && json.status == 1)
    }

    // MARK: - Options and errors

    @Test("--html with --json and --out without --html are usage errors; an unwritable --out leaves nothing")
    func outputOptions() throws {
        let box = try Sandbox()
        let both = box.run(["report", "--html", "--json"])
        #expect(both.status == 2 && both.err.contains("--html and --json"), "\(both.err)")
        let outAlone = box.run(["report", "--out", box.file("x.html")])
        #expect(outAlone.status == 2 && outAlone.err.contains("--out goes with --html"), "\(outAlone.err)")
        let missing = box.file("no-such-folder/report.html")
        let unwritable = box.run(["report", "--html", "--out", missing])
        #expect(unwritable.status == 1, "\(unwritable.err)")
        #expect(
            unwritable.err.hasPrefix("tokenvault: error: cannot write '") && unwritable.err.split(separator: "\n").count == 1, "\(unwritable.err)")
        #expect(!FileManager.default.fileExists(atPath: box.file("no-such-folder")))
        // An existing page is replaced whole, keeping no trace of the old one.
        let page = box.file("page.html")
        try "old page".write(toFile: page, atomically: false, encoding: .utf8)
        #expect(box.run(["report", "--html", "--out", page]).status == 0)
        let text = try String(contentsOfFile: page, encoding: .utf8)
        #expect(text.hasPrefix("<!DOCTYPE html>") && text.hasSuffix("</html>\n") && !text.contains("old page"))
        #expect(box.run(["report", "--help"]).out.contains("--html"))
    }

    // MARK: - A real browser

    @Test(
        "Chromium renders the page to a PNG that is not blank, each chart's own colour in it",
        needsChromium, .timeLimit(.minutes(1))
    )
    func browserDrawsTheCharts() throws {
        let (box, page) = try ReportScene.page(hostile: false)
        let shot = box.file("report.png")
        let rendered = ReportScene.chromium(box, ["--screenshot=\(shot)", "--window-size=1000,2600", "file://\(page)"])
        try #require(FileManager.default.fileExists(atPath: shot), "no screenshot: \(rendered.err)")
        // The inventory's active green, the findings' blue, the expiry chart's expired red and
        // 180-day green, the attempts' refused red: each chart's own fill, drawn.
        let fills = ["2da44e", "0969da", "8e1519", "8ddb8c", "cf222e"]
        let image = try ReportScene.python(box, "png_check.py", [shot] + fills)
        #expect(image["width"] as? Int == 1000 && image["height"] as? Int == 2600, "\(image)")
        // Charts in several colours and patterns, ink from top to bottom: not a blank page.
        #expect((image["colours"] as? Int ?? 0) > 40, "\(image)")
        #expect((image["non_white"] as? Double ?? 0) > 0.04, "\(image)")
        #expect((image["rows_with_ink"] as? Int ?? 0) > 1_000, "\(image)")
        let found = image["found"] as? [String: Int] ?? [:]
        for fill in fills { #expect((found[fill] ?? 0) > 100, "chart colour #\(fill) is missing: \(found)") }
        // scripts/report-screenshot.sh keeps the screenshot for the README.
        if let keep = ProcessInfo.processInfo.environment["TOKENVAULT_REPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: shot, toPath: keep)
        }
    }

    @Test(
        "Chromium loads the hostile page: the title is unchanged and no payload became an element",
        needsChromium, .timeLimit(.minutes(1))
    )
    func browserRunsNoPayload() throws {
        let (box, page) = try ReportScene.page(hostile: true)
        let dumped = ReportScene.chromium(box, ["--dump-dom", "file://\(page)"])
        #expect(dumped.status == 0, "\(dumped.err)")
        let dom = box.file("dom.html")
        try Data(dumped.stdout).write(to: URL(fileURLWithPath: dom))
        let check = try ReportScene.check(box, dom)
        // --dump-dom writes the document without its doctype.
        #expect(check.errors.filter { $0 != "no doctype first" }.isEmpty, "\(check.errors)")
        #expect(check.title == "TokenVault report", "a script ran: the title is \(check.title ?? "none")")
        #expect(check.svgLabels.count == 6 && check.counts["script"] == nil && check.counts["img"] == nil, "\(check.counts)")
        for payload in Self.payloads { #expect(check.text.contains(payload)) }
    }

    // MARK: - The service

    @Test("GET /v1/report.html: the page for an admin, under its CSP and never cached; 403 for anyone else")
    func servedToAdminsOnly() throws {
        let box = try ReportScene.populate(try Sandbox(), hostile: true)
        let admin = box.principal(["root", "--token", "--admin", "--allow", "*:*:*:r"])
        let reader = box.principal(["reader", "--token", "--allow", "*:*:*:r"])
        try box.serving { server in
            let answers = try server.batch([
                .get("/v1/report.html?unused_for=30d", token: admin), .get("/v1/report.html", token: reader), .get("/v1/report", token: admin),
            ])
            let page = answers[0]
            #expect(page.status == 200, "\(page.status) \(page.body.prefix(300))")
            #expect(page.headers["content-type"] == "text/html; charset=utf-8" && page.headers["cache-control"] == "no-store")
            #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            #expect(page.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers["x-content-type-options"] == "nosniff")
            let file = box.file("served.html")
            try page.body.write(toFile: file, atomically: false, encoding: .utf8)
            let check = try ReportScene.check(box, file)
            #expect(check.errors.isEmpty && check.title == "TokenVault report", "\(check.errors)")
            #expect(check.text.contains("Unused means no use for 30d"))
            #expect(answers[1].status == 403 && answers[1].errorKind == "denied", "\(answers[1])")
            #expect(answers[2].status == 200 && answers[2].object["risks"] as? Bool == true, "\(answers[2])")
        }
        let refused = box.auditEvents().filter { $0["actor"] as? String == "principal:reader" && $0["outcome"] as? String == "denied" }
        #expect(refused.count == 1, "\(refused)")
    }
}

/// A vault that looks lived in, for the report's tests: credentials of several issuers, expiring
/// over the next half year (two expired and not revoked, one legacy, one never expiring, two
/// revoked), used and refused by three connectors over the last 90 days, hook rotations that
/// failed, connection tests passed and failed, and a seal with events after it. With `hostile`,
/// names, a grant, an issuer, a description, an actor and a test's detail carry HTML payloads.
enum ReportScene {
    /// The time the scene is made up to (now, rounded to the minute).
    static let now: Int64 = Int64(Date().timeIntervalSince1970) / 60 * 60

    /// A clock the scene moves forward, shared by its vault handles.
    final class SceneClock: @unchecked Sendable {
        // @unchecked Sendable: `time` is only touched under `lock`.
        private let lock = NSLock()
        private var time: Int64
        init(_ time: Int64) { self.time = time }
        var now: Int64 { lock.withLock { time } }
        func set(_ value: Int64) { lock.withLock { time = value } }
    }

    /// A lived-in sandbox and its page, written by `report --html --out` to `name` in it (which
    /// finds risks: exit 1, nothing on standard output).
    static func page(
        hostile: Bool, at name: String = "report.html", sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (Sandbox, String) {
        let box = try populate(try Sandbox(), hostile: hostile)
        let page = box.file(name)
        try FileManager.default.createDirectory(atPath: (page as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let run = box.run(["report", "--html", "--out", page])
        #expect(run.status == 1 && run.stdout.isEmpty, "\(run.err)", sourceLocation: sourceLocation)
        return (box, page)
    }

    @discardableResult
    static func populate(_ box: Sandbox, hostile: Bool) throws -> Sandbox {
        let clock = SceneClock(now - 100 * 86_400)
        func open(_ actor: String) throws -> Vault {
            var configuration = Vault.Configuration(actor: actor)
            configuration.clock = VaultClock { clock.now }
            configuration.durableCommits = false
            return try Vault.open(at: box.vault, key: .keyFile(box.keyFile), configuration: configuration)
        }
        let admin = try open("admin")
        let connectors = try ["procuros-connector", "edi-sync", hostile ? ReportHTMLTests.payloads[0] : "ci-runner"].map(open)
        let issuers: [String?] = [
            "xentral", "xentral", "xentral", "gitlab", "gitlab", "github", "stripe", nil, "xentral", "gitlab", "github", "xentral",
        ]
        let days: [Int64?] = [3, 5, 12, 20, 28, 35, 45, 55, 75, 120, 170, 260]
        var names: [String] = []
        for (index, (issuer, day)) in zip(issuers, days).enumerated() {
            var name = ["shop-de", "shop-at", "edi", "ci-deploy", "registry", "actions", "payments", "mailer", "reports", "ops", "pages", "wms"][
                index]
            if hostile && index == 1 { name = ReportHTMLTests.payloads[0] }
            if hostile && index == 2 { name = ReportHTMLTests.payloads[1] }
            let project = hostile && index == 3 ? ReportHTMLTests.payloads[1] : "shop"
            var new = NewCredential(name: name, scope: try Scope([Grant(parsing: "\(project):orders:r")]), expiry: .at(now + (day ?? 0) * 86_400))
            new.issuer = hostile && index == 4 ? "\"><svg onload=document.title='pwned'>" : issuer
            new.description = hostile ? "' onmouseover='document.title=\"pwned\"' x='" : "\(issuer ?? "internal") token for \(name)"
            _ = try admin.add(new, secret: Secret(copying: Array("secret-\(index)-0123456789abcdef".utf8)))
            names.append(name)
        }
        var legacy = NewCredential.legacy(name: "xentral-legacy")
        legacy.issuer = "xentral"
        _ = try admin.add(legacy, secret: Secret(copying: Array("legacy-secret-0123456789".utf8)))
        _ = try admin.add(
            NewCredential(name: "forever", scope: try Scope([Grant(parsing: "internal:metrics:r")]), expiry: .never),
            secret: Secret(copying: Array("forever-secret-0123456789".utf8)))
        for name in ["old-import", "old-export"] {
            var new = NewCredential(name: name, scope: try Scope([Grant(parsing: "shop:items:r")]), expiry: .after(seconds: 30 * 86_400))
            new.issuer = "xentral"
            _ = try admin.add(new, secret: Secret(copying: Array("\(name)-secret-0123456789".utf8)))
        }
        for name in ["retired-1", "retired-2"] {
            _ = try admin.add(
                NewCredential(name: name, scope: try Scope([Grant(parsing: "shop:orders:r")]), expiry: .after(seconds: 200 * 86_400)),
                secret: Secret(copying: Array("\(name)-secret-0123456789".utf8)))
            try admin.revoke(name)
        }
        // 90 days of use: fetches that pass, refusals (a permission the grant lacks, a name that
        // does not exist), a failed hook rotation now and then; a seal after day 60.
        let fail = RotationHook(command: hostile ? "echo \"\(ReportHTMLTests.payloads[1])\" >&2; exit 3" : "echo no new token >&2; exit 3")
        for day in 0..<90 {
            clock.set(now - Int64(89 - day) * 86_400 + 3_600)
            for (index, connector) in connectors.enumerated() {
                let name = names[(day + index) % 4]
                let project = hostile && (day + index) % 4 == 3 ? ReportHTMLTests.payloads[1] : "shop"
                _ = try? connector.fetch(name, need: Need(project: project, resource: "orders", permissions: .read))
                for _ in 0..<((day * (index + 3)) % 5) {
                    _ = try? connector.fetch(name, need: Need(project: project, resource: "orders", permissions: .delete))
                }
            }
            if day % 9 == 0 { _ = try? connectors[0].fetch("no-such-token", need: Need(project: "shop", resource: "orders", permissions: .read)) }
            if day % 15 == 7 { _ = try? admin.rotate(names[5], from: .hook(fail)) }
            if day == 60 { _ = try admin.sealAuditTrail() }
        }
        clock.set(now)
        _ = try admin.testConnection(names[0], hook: RotationHook(command: "cat >/dev/null; exit 0"))
        let detail = hostile ? ReportHTMLTests.payloads[0] : "HTTP 401 from the API"
        _ = try admin.testConnection(names[6], hook: RotationHook(command: "cat >/dev/null; echo \"\(detail)\" >&2; exit 1"))
        return box
    }

    /// What html_check.py found in the page at `path`.
    struct Check {
        let errors: [String]
        let counts: [String: Int]
        let title: String?
        let svgLabels: [String]
        let text: String
    }

    static func check(_ box: Sandbox, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Check {
        let found = try python(box, "html_check.py", [path], sourceLocation: sourceLocation)
        return Check(
            errors: found["errors"] as? [String] ?? ["no errors field"], counts: found["counts"] as? [String: Int] ?? [:],
            title: found["title"] as? String, svgLabels: found["svg_labels"] as? [String] ?? [], text: found["text"] as? String ?? "")
    }

    /// Runs `python3 Scripts/SCRIPT ARGUMENTS` and reads the JSON document it prints.
    static func python(
        _ box: Sandbox, _ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        let run = box.python(script, arguments, timeout: 60)
        try #require(run.status == 0, "\(script): \(run.err)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any], sourceLocation: sourceLocation)
    }

    /// One headless Chromium run with its own profile in the sandbox, killed after 45 s.
    static func chromium(_ box: Sandbox, _ arguments: [String]) -> Run {
        let options = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
            "--hide-scrollbars", "--user-data-dir=\(box.file("chromium-profile"))",
        ]
        return Sandbox.execute(
            chromiumPath ?? "/usr/bin/chromium", options + arguments, input: [], environment: ["HOME": box.path, "PATH": "/usr/bin:/bin"],
            timeout: 45)
    }
}
