import Foundation
import Testing
import TokenVault
import TokenVaultJSON
import TokenVaultWire

@testable import TokenVaultCLI

/// The CLI as a client of `tokenvault serve` (`--server`, `TOKENVAULT_ADDR`): the same output and
/// exit codes as on the vault file, with neither key nor vault file, and the refusals of the
/// service.
@Suite("The CLI through tokenvault serve")
struct ClientModeTests {
    /// A secret with a quote, a backslash, a control character and non-ASCII text: every escape
    /// of the fetch's JSON string.
    static let secret = "s3cr\"et\\\u{1}ü✓-erp"

    /// A vault with credentials and two principals, and its service: `me`, recognised by this
    /// process's user id, may fetch `erp` and `soon` and verify `api`; `admin` is an admin
    /// recognised by the access token in `admin.token`.
    final class Fixture: @unchecked Sendable {
        // @unchecked Sendable: set up once in `init`, read only afterwards.
        let box: Sandbox
        let service: ServeProcess
        let issuedToken: String
        var adminTokenFile: String { box.file("admin.token") }

        init() throws {
            box = try Sandbox()
            let started = Date()
            let setup: [([String], String?)] = [
                (["add", "erp", "--grant", "shop:orders:r", "--expires-in", "30d", "--issuer", "xentral"], ClientModeTests.secret),
                (["add", "soon", "--grant", "shop:orders:r", "--expires-in", "84h"], "soon-secret"),
                (["add", "other", "--grant", "shop:orders:r", "--expires-in", "90d"], "other-secret"),
                (
                    ["principal", "add", "me", "--uid", String(getuid())] + ["erp", "soon", "api", "raw"].flatMap { ["--allow", "\($0):*:*:r"] }, nil
                ),
            ]
            for (arguments, input) in setup {
                let run = box.run(arguments, input: input)
                precondition(run.status == 0, "\(arguments): \(run.err)")
            }
            let issued = box.run(["issue", "api", "--grant", "billing:invoices:r"])
            precondition(issued.status == 0, issued.err)
            issuedToken = issued.out.trimmingCharacters(in: .whitespacesAndNewlines)
            let admin = box.run(["principal", "add", "admin", "--token", "--admin"])
            precondition(admin.status == 0, admin.err)
            _ = FileManager.default.createFile(atPath: box.file("admin.token"), contents: Data(admin.stdout), attributes: [.posixPermissions: 0o600])
            service = try ServeProcess.start(box, arguments: ["--workers", "2"], global: [], socket: "s.sock")
            // An expiry shown as "(in 30d)" reads "(in 29d)" from the second after its add on: a
            // comparison of two runs must not straddle that second.
            Thread.sleep(until: started.addingTimeInterval(1.5))
        }

        /// Runs `tokenvault ARGS` through the service, as `me` or (`admin`) with the access token,
        /// in an environment without key and vault file.
        func client(
            _ arguments: [String], input: [UInt8] = [], admin: Bool = false, environment extra: [String: String] = [:]
        ) -> Run {
            var environment = ["PATH": "/usr/bin:/bin", "HOME": box.path, "TOKENVAULT_ADDR": service.socket, "TOKENVAULT_ACTOR": "cli-test"]
            if admin { environment["TOKENVAULT_TOKEN_FILE"] = adminTokenFile }
            return Sandbox.execute(toolURL.path, arguments, input: input, environment: environment.merging(extra) { $1 })
        }

        /// Runs `arguments` on the vault file, then through the service, and expects the same
        /// standard output and exit status; returns the second run.
        @discardableResult
        func expectSame(
            _ arguments: [String], input: String? = nil, admin: Bool = true, masking: (String) -> String = { $0 },
            sourceLocation: SourceLocation = #_sourceLocation
        ) -> Run {
            let embedded = box.run(arguments, input: input)
            let client = client(arguments, input: Array((input ?? "").utf8), admin: admin)
            #expect(client.status == embedded.status, "\(arguments): \(client.err)", sourceLocation: sourceLocation)
            #expect(masking(client.out) == masking(embedded.out), "\(arguments)", sourceLocation: sourceLocation)
            #expect(!client.out.isEmpty || embedded.out.isEmpty, "\(arguments)", sourceLocation: sourceLocation)
            return client
        }

        /// Stops the service, expecting exit status 0, and returns what it logged.
        func stop(sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
            #expect(service.stop() == 0, sourceLocation: sourceLocation)
            return Array(box.serverLogText.utf8)
        }
    }

    @Test func readingCommandsPrintTheSameThroughTheService() throws {
        let fixture = try Fixture()
        let secondsLeft = /"seconds_left":-?[0-9]+/
        let readings: [[String]] = [
            ["list"], ["list", "--json"], ["list", "--state", "active", "--issuer", "xentral"], ["list", "--project", "shop", "--json"],
            ["list", "--expiring-within", "7d"], ["show", "erp"], ["show", "erp", "--json"], ["show", "nosuch"], ["expiring"],
            ["expiring", "--within", "10d", "--critical", "1d"], ["audit"], ["audit", "--json", "--name", "erp"],
            ["audit", "--format", "csv", "--action", "add"], ["audit", "--limit", "3", "--json"],
            ["audit", "--outcome", "ok", "--since", "2020-01-01", "--until", "2100-01-01T00:00:00Z", "--actor", "cli-test"],
            ["principal", "list"], ["principal", "list", "--json"], ["principal", "show", "me"], ["principal", "show", "admin", "--json"],
        ]
        for arguments in readings {
            fixture.expectSame(arguments)
        }
        // What depends on the second of the run: the time left, and when a feed was made.
        fixture.expectSame(["expiring", "--json"]) { $0.replacing(secondsLeft, with: "") }
        fixture.expectSame(["expiring", "--ics"]) { $0.replacing(/DTSTAMP:[0-9TZ]+/, with: "") }
        #expect(fixture.expectSame(["show", "nosuch"]).status == 3)
        #expect(fixture.expectSame(["expiring"]).status == 2)
        _ = fixture.stop()
    }

    @Test func connectorCommandsGetTheSecretThroughTheService() throws {
        let fixture = try Fixture()
        let need = ["--project", "shop", "--resource", "orders", "--permission", "r"]
        let got = fixture.expectSame(["get", "erp"] + need, admin: false)
        #expect(got.stdout == Array(Self.secret.utf8))
        #expect(got.err.isEmpty)
        let soon = fixture.expectSame(["get", "soon"] + need, admin: false)
        #expect(soon.err.hasPrefix("tokenvault: warning: credential 'soon' expires in "))
        fixture.expectSame(["get", "erp", "--version", "1"] + need, admin: false)
        let printing = ["--", "/bin/sh", "-c", "printf '%s|%s' \"$A\" \"$B\""]
        let exec = fixture.expectSame(["exec", "--env", "A=erp", "--env", "B=soon"] + need + printing, admin: false)
        #expect(exec.out == Self.secret + "|soon-secret")
        let verifyNeed = ["--project", "billing", "--resource", "invoices", "--permission", "r"]
        let verified = fixture.expectSame(["verify"] + verifyNeed, input: fixture.issuedToken, admin: false)
        #expect(verified.out.hasPrefix("valid: 'api' (cred_"))
        let refused = fixture.expectSame(["verify"] + verifyNeed, input: "tvk_nonsense", admin: false)
        #expect(refused.status == 4)

        // A secret that is not UTF-8 comes as secret_base64; one with a NUL byte cannot go in an
        // environment variable, refused by the service as by the vault file.
        let binary: [UInt8] = [0xFF, 0x00, 0x41, 0xC3]
        let added = Sandbox.execute(
            toolURL.path, ["add", "raw", "--grant", "shop:orders:r", "--expires-in", "9d"], input: binary, environment: fixture.box.environment
        )
        #expect(added.status == 0, "\(added.err)")
        let raw = fixture.expectSame(["get", "raw"] + need, admin: false)
        #expect(raw.stdout == binary)
        let nul = fixture.expectSame(["exec", "--env", "A=erp", "--env", "R=raw"] + need + ["--", "/bin/true"], admin: false)
        #expect(nul.status == 2 && nul.err == "tokenvault: error: credential 'raw' holds a NUL byte and cannot go in an environment variable\n")

        let log = fixture.stop()
        for form in leakForms(Self.secret) + leakForms(fixture.issuedToken) {
            #expect(!log.contains(bytes: form), "the service logged a secret")
        }
        #expect(!got.stderr.contains(bytes: Array(Self.secret.utf8)))
    }

    @Test func mutatingCommandsPrintTheSameThroughTheService() throws {
        let fixture = try Fixture()
        // The same commands on twin credentials: `file-…` on the vault file, `svc-…` through the
        // service, compared once names, ids, tokens and times are masked.
        let masks: [(Regex<Substring>, String)] = [
            (/file-|svc-/, ""), (/cred_[0-9a-f]+/, "cred_"), (/prn_[0-9a-f]+/, "prn_"), (/tva[_-][A-Za-z0-9]+/, "tva"),
            (/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/, "TIME"), (/events: [0-9]+|"sealed_events":[0-9]+/, "N"),
            (/[0-9a-f]{32,}/, "HEX"), (/gid [0-9]+/, "gid"),
        ]
        func masked(_ text: String) -> String { masks.reduce(text) { $0.replacing($1.0, with: $1.1) } }
        func same(
            _ arguments: (String) -> [String], input: String? = nil, expecting status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let embedded = fixture.box.run(arguments("file-"), input: input)
            let client = fixture.client(arguments("svc-"), input: Array((input ?? "").utf8), admin: true)
            #expect(embedded.status == status, "\(arguments("file-")): \(embedded.err)", sourceLocation: sourceLocation)
            #expect(client.status == status, "\(arguments("svc-")): \(client.err)", sourceLocation: sourceLocation)
            #expect(masked(client.out) == masked(embedded.out), sourceLocation: sourceLocation)
            #expect(masked(client.err) == masked(embedded.err), sourceLocation: sourceLocation)
        }
        same(
            {
                [
                    "add", "\($0)a", "--grant", "shop:orders:r", "--grant", "shop:*:c", "--expires", "2100-01-01", "--api-url",
                    "https://erp.example/api",
                ]
            }, input: "one")
        same({ ["add", "\($0)b", "--grant", "shop:orders:r", "--expires-in", "40d", "--description", "for the shop", "--json"] }, input: "two")
        same({ ["add", "\($0)c", "--legacy", "--issuer", "xentral"] }, input: "three")
        same({ ["add", "\($0)d", "--grant", "*:*:r", "--never-expires", "--json"] }, input: "four")
        same({ ["add", "\($0)a", "--legacy"] }, input: "again", expecting: 2)
        same({ ["rotate", "\($0)a", "--grace", "1h"] }, input: "one-v2")
        same({ ["rotate", "\($0)b", "--retire-after-first-use", "--expires-in", "10d", "--json"] }, input: "two-v2")
        same({ ["rotate", "\($0)a", "--expires", "2099-01-01"] }, input: "one-v3")
        same({ ["revoke", "\($0)a", "--version", "2"] })
        same({ ["revoke", "\($0)a", "--version", "3"] }, expecting: 2)
        same({ ["rename", "\($0)a", "\($0)a2"] })
        same({ ["revoke", "\($0)a2", "--json"] })
        same({ ["show", "\($0)a2"] })
        same({ ["delete", "\($0)a2", "--yes"] })
        same({ ["delete", "\($0)b", "--yes", "--json"] })
        same({ ["delete", "\($0)b", "--yes"] }, expecting: 3)
        same({ ["principal", "add", "\($0)ci", "--token", "--allow", "*:*:*:r", "--json"] })
        same({ ["principal", "add", "\($0)grp", "--gid", $0 == "file-" ? "7001" : "7002", "--admin"] })
        same({ ["principal", "rotate-token", "\($0)ci"] })
        same({ ["principal", "rename", "\($0)ci", "\($0)ci2"] })
        same({ ["principal", "remove", "\($0)ci2", "--json"] })
        same({ ["principal", "remove", "\($0)ci2"] }, expecting: 3)
        same({ ["policy", "set", "\($0)gh", "--max-lifetime", "90d", "--since", "2026-01-01"] })
        same({ ["policy", "set", "\($0)gh", "--max-lifetime", "30d", "--json"] })
        same({ ["add", "\($0)e", "--grant", "*:*:r", "--issuer", "\($0)GH", "--expires-in", "31d"] }, input: "five", expecting: 2)
        same({ ["policy", "remove", "\($0)GH", "--json"] })
        same({ ["policy", "remove", "\($0)gh"] }, expecting: 3)
        same({ _ in ["audit", "seal"] })

        // A seal written by the client verifies against the vault file.
        let seal = fixture.client(
            ["audit", "seal", "--out", fixture.box.file("seal.txt"), "--public-key-out", fixture.box.file("seal.pub")], admin: true)
        #expect(seal.status == 0 && seal.out.hasPrefix("sealed "), "\(seal.err)")
        let verified = fixture.box.run(["audit", "verify", "--seal", fixture.box.file("seal.txt"), "--public-key", fixture.box.file("seal.pub")])
        #expect(verified.status == 0, "\(verified.err)")
        _ = fixture.stop()
    }

    @Test func theServiceRefusesWhatThePrincipalMayNotDo() throws {
        let fixture = try Fixture()
        let need = ["--project", "shop", "--resource", "orders", "--permission", "r"]
        let cases: [([String], Int32, String)] = [
            (["get", "other"] + need, 4, "principal 'me' may not use credential 'other' for this need"),
            (["get", "nosuch"] + need, 3, "no credential named 'nosuch'"),
            (["revoke", "erp"], 4, "principal 'me' is not an admin"),
            (["audit"], 4, "principal 'me' is not an admin"),
            (["principal", "list"], 4, "principal 'me' is not an admin"),
            (["policy", "list"], 4, "principal 'me' is not an admin"),
            (["policy", "set", "acme", "--max-lifetime", "1d"], 4, "principal 'me' is not an admin"),
            (["get", "erp", "--permission", "r"], 2, "a need through the service names a project, a resource and a permission"),
        ]
        for (arguments, status, message) in cases {
            let run = fixture.client(arguments)
            #expect(run.status == status, "\(arguments): \(run.err)")
            #expect(run.stdout.isEmpty, "\(arguments)")
            #expect(run.err == "tokenvault: error: \(message)\n", "\(arguments)")
        }
        // The issued credential's new token is minted on the vault file, and hooks run there.
        let minting = fixture.client(["rotate", "api"], admin: true)
        #expect(minting.status == 2 && minting.err.contains("is an issued token"), "\(minting.err)")
        let hook = fixture.client(["rotate", "erp", "--hook", "/bin/true"], admin: true)
        #expect(hook.status == 2 && hook.err.contains("rotate --hook"), "\(hook.err)")
        // erp is as it was: not revoked, not rotated.
        #expect(fixture.box.run(["get", "erp"]).out == Self.secret)
        _ = fixture.stop()
    }

    @Test func theAuditNamesThePrincipalAndWhoItActsFor() throws {
        let fixture = try Fixture()
        let run = fixture.client(["--actor", "alice", "get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"])
        #expect(run.status == 0, "\(run.err)")
        let audit = fixture.box.run(["audit", "--action", "fetch", "--limit", "1", "--json"])
        let event = try JSON.parse(Array(audit.stdout.dropLast()))
        #expect(event["actor"]?.stringValue == "principal:me")
        #expect(event["actor_kind"]?.stringValue == "principal")
        #expect(event["on_behalf_of"]?.stringValue == "alice")
        #expect(event["peer"]?.stringValue?.hasPrefix("uid=\(getuid()) pid=") == true)
        // TOKENVAULT_ACTOR stands in for --actor, and the admin is known by its token.
        _ = fixture.client(["list"], admin: true, environment: ["TOKENVAULT_ACTOR": "bob"])
        let token = fixture.client(["rotate", "soon"], input: Array("soon-v2".utf8), admin: true, environment: ["TOKENVAULT_ACTOR": "bob"])
        #expect(token.status == 0, "\(token.err)")
        let rotation = try JSON.parse(Array(fixture.box.run(["audit", "--action", "rotate", "--limit", "1", "--json"]).stdout.dropLast()))
        #expect(rotation["actor"]?.stringValue == "principal:admin")
        #expect(rotation["on_behalf_of"]?.stringValue == "bob")
        #expect(rotation["peer"]?.stringValue?.hasPrefix("token=tva-") == true)
        _ = fixture.stop()
    }

    @Test func commandsOfTheVaultFileAndAMissingServiceAreRefusedInOneLine() throws {
        let fixture = try Fixture()
        for arguments in [
            ["init"], ["keygen", "k"], ["audit", "verify"], ["scan", "."], ["report"], ["rekey"], ["serve"], ["issue", "x"], ["migrate-to", "x"],
        ] {
            let run = fixture.client(arguments, admin: true)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.out.isEmpty)
            #expect(
                run.err
                    == "tokenvault: error: '\(arguments[0] == "audit" ? "audit verify" : arguments[0])' works on the vault file, not through a service: drop --server (or unset TOKENVAULT_ADDR)\n"
            )
        }
        let cron = fixture.client(["rotate", "--expiring-within", "7d", "--hook", "/bin/true"], admin: true)
        #expect(cron.status == 2 && cron.err.hasPrefix("tokenvault: error: 'rotate' works on the vault file"))
        let vaultOption = fixture.client(["list", "--vault", fixture.box.vault], admin: true)
        #expect(vaultOption.status == 2 && vaultOption.err.contains("--vault is for the vault file"))
        // What opens no vault runs as without a server.
        #expect(fixture.client(["completion", "bash"]).status == 0)
        #expect(fixture.client(["--version"]).out == "tokenvault \(CLI.version)\n")
        #expect(fixture.client(["list", "--help"]).status == 0)

        // unix:PATH names a socket too; a token file others may read is refused.
        let unix = fixture.client(["--server", "unix:" + fixture.service.socket, "principal", "list"], admin: true)
        #expect(unix.status == 0, "\(unix.err)")
        let open = fixture.box.file("open.token")
        _ = FileManager.default.createFile(atPath: open, contents: Data("tva_x".utf8), attributes: [.posixPermissions: 0o644])
        let readable = fixture.client(["list"], environment: ["TOKENVAULT_TOKEN_FILE": open])
        #expect(readable.status == 5 && readable.err.contains("is readable by other users"))

        #expect(fixture.stop().isEmpty == false)
        for arguments in [["list"], ["get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"]] {
            let down = fixture.client(arguments)
            #expect(down.status == 5, "\(arguments)")
            #expect(down.out.isEmpty)
            let lines = down.err.split(separator: "\n")
            #expect(lines.count == 2 && lines[0].hasPrefix("tokenvault: error: cannot reach the service: "), "\(down.err)")
            #expect(lines.last == "hint: is `tokenvault serve` running? (--server or TOKENVAULT_ADDR names its socket)")
        }
    }

    @Test func aSecretFieldIsDecodedFromTheAnswersBytes() throws {
        func split(_ text: String, _ key: String = "secret") throws -> (String?, JSON) {
            let (secret, rest) = try SecretField.split(Array(text.utf8), key: key)
            return (secret.map { secret in secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }, rest)
        }
        let escaped = try split(#" { "version" : 2, "secret":"a\"b\\c\/\u00e9\ud83d\ude00\n", "warning": null } "#)
        #expect(escaped.0 == "a\"b\\c/é😀\n")
        #expect(escaped.1["version"]?.int64Value == 2 && escaped.1["secret"]?.isNull == true)
        let base64 = try SecretField.split(Array(#"{"secret_base64":"/wBBww==","x":[{"secret":"no"}]}"#.utf8), key: "secret")
        #expect(base64.secret?.withUnsafeBytes { Array($0) } == [0xFF, 0x00, 0x41, 0xC3])
        #expect(try split(#"{"token":null,"principal":{}}"#, "token").0 == nil)
        let refused = [
            #"{"secret":"a","secret":"b"}"#, #"{"secret":"a","secret_base64":"YQ=="}"#, #"{"secr\u0065t":"a"}"#, #"{"other":1}"#,
            #"{"secret":"a\q"}"#, #"{"secret":"\ud800"}"#, "{\"secret\":\"a\u{1}\"}", #"{"secret_base64":"Y*=="}"#, #"{"secret":1}"#,
            #"{"secret":"a"} x"#, #"["secret"]"#, #"{"secret":"a",}"#,
        ]
        for text in refused {
            #expect(throws: VaultError.self, "\(text)") { try SecretField.split(Array(text.utf8), key: "secret") }
        }
    }
}
