import Foundation
import Testing

@testable import TokenVaultCLI

@Suite("CLI behaviour through the real binary")
struct BehaviourTests {
    static let commands = [
        "keygen", "init", "add", "issue", "verify", "get", "exec", "list", "show", "rename", "rotate", "revoke", "expiring",
        "test", "delete", "audit", "audit verify", "audit seal", "report", "scan", "check-endpoint", "rekey", "rotate-data-key",
    ]

    @Test(arguments: commands)
    func everyCommandHasHelp(_ command: String) throws {
        let box = try Sandbox(initialize: false)
        for arguments in [[command, "--help"], [command, "-h"], ["help", command]] {
            let run = box.run(arguments)
            #expect(run.status == 0, "\(arguments)")
            #expect(run.out.hasPrefix("OVERVIEW: "), "\(arguments)")
            #expect(run.out.contains("USAGE: tokenvault \(command)"), "\(arguments)")
            #expect(run.out.contains("EXIT CODES:"), "\(arguments)")
            #expect(run.err.isEmpty)
        }
    }

    @Test func overviewListsEveryCommandAndTheExitCodes() throws {
        let box = try Sandbox(initialize: false)
        let run = box.run(["--help"])
        #expect(run.status == 0)
        for command in Self.commands { #expect(run.out.contains("\n  \(command) "), "\(command)") }
        for code in 0...7 { #expect(run.out.contains("\n  \(code)  "), "exit \(code)") }
        #expect(box.run(["--version"]).out == "tokenvault \(CLI.version)\n")
    }

    @Test func aURLAsTheVaultIsRefusedNeverMadeIntoFoldersNorEchoed() throws {
        let box = try Sandbox(initialize: false)
        precondition(box.run(["keygen", box.keyFile]).status == 0)
        let cases = [
            ("postgresql://alice:hunter2@127.0.0.1/vault", "the PostgreSQL URI carries a password"),
            ("postgres:///vault?host=/nonexistent&password=hunter2", "the PostgreSQL URI carries a password"),
            ("https://vault.example.com/v?hunter2", "the vault is a file path or a postgresql:// URI, not a https:// URL"),
        ]
        for (url, message) in cases {
            for arguments in [["--vault", url, "init"], ["--vault", url, "list"], ["--vault", url, "audit", "verify"]] {
                let run = Sandbox.execute(
                    toolURL.path, arguments, input: [], environment: box.environment.merging(["HOME": box.path]) { $1 }, timeout: 30,
                    directory: box.path)
                #expect(run.status == 2 && run.err.contains(message), "\(arguments): \(run.err)")
                #expect(!run.err.contains("hunter2") && !run.out.contains("hunter2"))
                #expect(run.err.contains("PGPASSFILE") == url.hasPrefix("postgres"), "\(run.err)")
            }
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: box.path).filter { $0.hasSuffix(":") }
        #expect(made.isEmpty, "\(made)")
    }

    @Test func globalOptionsWorkBeforeAndAfterTheCommand() throws {
        let box = try Sandbox(initialize: false)
        let vault = box.isFile ? box.file("v.db") : box.vault  // on PostgreSQL an empty schema
        let key = box.file("k.key")
        #expect(box.run(["keygen", key]).status == 0)
        let noEnv = ["TOKENVAULT_PATH": "", "TOKENVAULT_KEY_FILE": ""]
        #expect(box.run(["--vault", vault, "--key-file", key, "init"], environment: noEnv).status == 0)
        #expect(
            box.run(["add", "x", "--legacy", "--vault=\(vault)", "--key-file", key, "--actor", "alice"], input: "s", environment: noEnv).status == 0)
        #expect(box.run(["--actor=bob", "get", "x", "--vault", vault, "--key-file=\(key)"], environment: noEnv).out == "s")
        let audit = box.run(["audit", "--json", "--vault", vault, "--key-file", key], environment: noEnv)
        let actors = audit.out.split(separator: "\n").compactMap { line -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["actor"] as? String
        }
        #expect(actors == ["cli-test", "cli-test", "alice", "bob"])  // init and its issuer policy, add, get
    }

    @Test func secretsNeverLeakToOutputsOrTheVaultFile() throws {
        let box = try Sandbox()
        let secret = "LEAK-CANARY-0123456789abcdef"
        var everything: [UInt8] = []
        func record(_ run: Run) { everything += run.stdout + run.stderr }
        record(box.run(["add", "erp", "--grant", "shop:*:crud", "--expires-in", "3d"], input: secret + "\n"))
        let got = box.run(["get", "erp"])
        #expect(got.out == secret)
        everything += got.stderr  // stdout of get is the one place the secret belongs
        #expect(got.err.contains("warning: credential 'erp' expires in"))
        record(box.run(["get", "erp", "--permission", "x"]))
        record(box.run(["get", "erp", "--project", "nope"]))
        record(box.run(["list"]))
        record(box.run(["list", "--json"]))
        record(box.run(["show", "erp"]))
        record(box.run(["show", "erp", "--json"]))
        record(box.run(["audit"]))
        record(box.run(["audit", "--format", "jsonl"]))
        record(box.run(["audit", "--format", "csv"]))
        record(box.run(["rename", "erp", "erp2"]))
        record(box.run(["delete", "erp2", "--yes"]))
        record(box.run(["audit"]))
        for form in leakForms(secret) {
            #expect(!everything.contains(bytes: form))
            #expect(try !box.storageContains(form))
        }
    }

    @Test func execPutsSecretsOnlyInTheChildsEnvironment() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "exec-secret-42")
        box.run(["add", "edi", "--legacy"], input: "second-secret")
        let run = box.run(["exec", "--env", "ERP_TOKEN=erp", "--env", "EDI=edi", "--", "/bin/sh", "-c", "printf '%s|%s' \"$ERP_TOKEN\" \"$EDI\""])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "exec-secret-42|second-secret")
        let status = box.run(["exec", "--env", "T=erp", "--", "/bin/sh", "-c", "exit 3"])
        #expect(status.status == 3)
        let missing = box.run(["exec", "--env", "T=erp", "--", "/nonexistent/program"])
        #expect(missing.status == 127)
        #expect(!missing.err.contains("exec-secret-42"))
        #expect(box.run(["exec", "--env", "T=nope", "--", "true"]).status == 3)
        // Five fetches: erp+edi, erp, erp, and the refused "nope".
        #expect(box.run(["audit", "--action", "fetch", "--json"]).out.split(separator: "\n").count == 5)
    }

    @Test(.enabled(if: TestEngine.isSQLite, "the modes of the vault file and its folders"))
    func filesArePrivateAndSymlinksRefusedWhateverTheUmask() throws {
        let box = try Sandbox(initialize: false)
        let script =
            "umask 000; '\(toolURL.path)' keygen '\(box.file("k.key"))' && '\(toolURL.path)' --key-file '\(box.file("k.key"))' --vault '\(box.file("deep/er/v.db"))' init"
        let run = Sandbox.execute("/bin/sh", ["-c", script], input: [], environment: box.environment)
        #expect(run.status == 0, "\(run.err)")
        func mode(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
        }
        #expect(mode(box.file("k.key")) == 0o600)
        #expect(mode(box.file("deep/er/v.db")) == 0o600)
        #expect(mode(box.file("deep/er")) == 0o700)
        #expect(mode(box.file("deep")) == 0o700)
        try FileManager.default.createSymbolicLink(atPath: box.file("link.db"), withDestinationPath: box.file("deep/er/v.db"))
        let linked = box.run(["list", "--vault", box.file("link.db"), "--key-file", box.file("k.key")])
        #expect(linked.status == 2)
        #expect(linked.err.contains("symbolic link"))
        #expect(box.run(["keygen", box.file("k.key")]).status == 2)  // never overwrites a key
    }

    @Test func twoProcessesAddingAtOnceLoseNothing() throws {
        let box = try Sandbox()
        // 24 processes at once, each adding one credential (the secret through a key-less sh pipe).
        var processes: [Child] = []
        for writer in 0..<2 {
            for index in 0..<12 {
                let command = "printf %s secret-\(writer)-\(index) | '\(toolURL.path)' add w\(writer)-\(index) --legacy"
                processes.append(Child(["/bin/sh", "-c", command], environment: box.environment))
            }
        }
        #expect(processes.map { $0.wait() } == Array(repeating: 0, count: 24))
        let list = box.run(["list", "--json"])
        let names = (try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names?.count == 24)
        #expect(box.run(["get", "w1-7"]).out == "secret-1-7")
        let adds = box.run(["audit", "--action", "add", "--format", "jsonl"]).out.split(separator: "\n")
        #expect(adds.count == 24)
    }

    @Test func jsonOutputIsValidAndNeverHoldsTheSecret() throws {
        let box = try Sandbox()
        box.run(
            [
                "add", "erp", "--grant", "shop:orders:cr", "--grant", "shop:items:r", "--expires", "2099-01-01", "--issuer", "acme",
                "--description", "quote \" and \\ back",
            ], input: "json-secret")
        let show = box.run(["show", "erp", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "erp")
        #expect(object["grants"] as? [String] == ["shop:items:r", "shop:orders:cr"])
        #expect(object["expires_at"] as? String == "2099-01-01T00:00:00Z")
        #expect(object["description"] as? String == "quote \" and \\ back")
        #expect((object["versions"] as? [[String: Any]])?.first?["state"] as? String == "current")
        #expect(!show.out.contains("json-secret"))
        let csv = box.run(["audit", "--format", "csv"]).out
        #expect(csv.hasPrefix("seq,time,actor,action,credential_id,credential_name,"))
    }

    @Test func inProcessRunMatchesTheBinary() throws {
        let box = try Sandbox()
        let io = CapturedIO(input: Array("in-process\n".utf8), environment: box.environment)
        #expect(CLI.run(["add", "p", "--legacy"], io: io) == .ok)
        let get = CapturedIO(environment: box.environment)
        #expect(CLI.run(["get", "p"], io: get) == .ok)
        #expect(get.outputText == "in-process")
        let bad = CapturedIO(environment: box.environment)
        #expect(CLI.run(["get", "p", "--permission", "q"], io: bad) == .usage)
        #expect(bad.errorText.hasPrefix("tokenvault: error: invalid permissions 'q'"))
        #expect(box.run(["get", "p"]).out == "in-process")
    }
}
