import Foundation
import Testing

/// `tokenvault serve --credentials-socket`: the real binary, a real socket, and a Python client
/// that plays systemd's part in `LoadCredential=ID:SOCKET` (Scripts/systemd_credential.py: an
/// abstract name `\0RANDOM/unit/UNIT/ID`, read to the end of the stream).
///
/// Serialized: each test runs a server, and the machine is small.
@Suite("serve --credentials-socket: systemd's LoadCredential=", .serialized)
struct CredentialsSocketTests {
    static let unit = "edi-connector.service"

    /// A sandbox with `erp-prod` (shop:orders:r, `erp-secret-1`) and the unit principal `edi`,
    /// allowed `erp-prod` for any resource of shop, and `gone`, `short` and `nope` for anything
    /// (not `bank`: the out-of-policy case).
    static func vault() throws -> Sandbox {
        let box = try ServiceTests.vault()
        box.principal([
            "edi", "--unit", unit, "--allow", "erp-prod:shop:*:r", "--allow", "gone:*:*:r", "--allow", "short:*:*:r", "--allow", "nope:*:*:r",
        ])
        return box
    }

    /// The credentials socket's path in the sandbox (its folder created by serve, mode 0700).
    static func socket(_ box: Sandbox) -> String { box.file("credentials/credentials.sock") }

    /// Runs `body` with a server that also listens on the credentials socket.
    static func serving(_ box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation, _ body: (ServeProcess) throws -> Void) throws {
        try box.serving(["--credentials-socket", socket(box)], sourceLocation: sourceLocation, body)
    }

    @Test("a unit's principal gets the secret's bytes, audited as principal:NAME with peer unit=UNIT; the API answers meanwhile")
    func delivery() throws {
        let box = try Self.vault()
        box.principal(["app", "--uid", "\(ServiceTests.uid)", "--allow", "erp-prod:shop:orders:r"])
        let socket = Self.socket(box)
        try Self.serving(box) { server in
            let attributes = try FileManager.default.attributesOfItem(atPath: socket)
            #expect(attributes[.type] as? FileAttributeType == .typeSocket)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            let delivered = try box.credential(Self.unit, "erp-prod")
            #expect(delivered.received == "erp-secret-1" && delivered.bytes == 12 && delivered.eof, "\(delivered)")
            // The HTTP API, beside it, is unchanged.
            let fetched = server.curl("/v1/fetch", ["--data-binary", ServiceTests.encoded(ServiceTests.fetchNeed)])
            #expect(fetched.status == 200 && fetched.object["secret"] as? String == "erp-secret-1", "\(fetched)")
            #expect(try box.credential(Self.unit, "erp-prod").received == "erp-secret-1")
        }
        #expect(nothingAt(socket), "the socket file is removed when serve stops")

        let deliveries = box.auditEvents().filter {
            $0["action"] as? String == "fetch" && ($0["peer"] as? String)?.hasPrefix("unit=\(Self.unit) pid=") == true
        }
        #expect(deliveries.count == 2, "\(deliveries)")
        for event in deliveries {
            #expect(event["actor"] as? String == "principal:edi" && event["actor_kind"] as? String == "principal", "\(event)")
            #expect(event["outcome"] as? String == "ok" && event["credential_name"] as? String == "erp-prod" && event["version"] as? Int == 1)
            // The need of the allow entry erp-prod:shop:*:r, its `*` left out.
            #expect(event["need_project"] as? String == "shop" && event["need_resource"] is NSNull && event["need_permission"] as? String == "r")
        }
        #expect(box.serverLogText.contains("tokenvault: credentials socket: delivered 'erp-prod' (version 1) to \(Self.unit)"))
        #expect(box.run(["audit", "verify"]).status == 0)
        ServiceTests.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    @Test("a unit refused again and again: ten audited refusals, then refused without trying, unaudited, while others are served")
    func refusalLoop() throws {
        let box = try Self.vault()
        try Self.serving(box) { _ in
            for _ in 0..<14 {
                let refused = try box.credential("looping.service", "erp-prod")
                #expect(refused.connected && refused.eof && refused.bytes == 0, "\(refused)")
            }
            let served = try box.credential(Self.unit, "erp-prod")
            #expect(served.received == "erp-secret-1", "\(served)")
        }
        let audited = box.auditEvents().filter { ($0["peer"] as? String)?.hasPrefix("unit=looping.service pid=") == true }
        #expect(audited.count == 10, "\(audited.count) refusals audited")
        let skipped = box.serverLogText.split(separator: "\n").filter { $0.contains("to looping.service without trying, unaudited") }
        #expect(skipped.count == 4, "\(box.serverLogText)")
    }

    @Test("an unknown unit, a credential out of policy, revoked, expired or missing: nothing written, each audited and logged")
    func refusals() throws {
        let box = try Self.vault()
        box.add("bank", secret: "bank-secret-1", grant: "finance:*:r")
        box.add("gone", secret: "gone-secret-1", grant: "shop:orders:r")
        #expect(box.run(["revoke", "gone"]).status == 0)
        let shortLived = Date()
        #expect(box.run(["add", "short", "--grant", "shop:orders:r", "--expires-in", "1s"], input: "short-secret-1").status == 0)
        Thread.sleep(until: shortLived.addingTimeInterval(2.2))

        try Self.serving(box) { server in
            for (unit, credential) in [
                ("other.service", "erp-prod"), (Self.unit, "bank"), (Self.unit, "gone"), (Self.unit, "short"), (Self.unit, "nope"),
            ] {
                let refused = try box.credential(unit, credential)
                #expect(refused.connected && refused.eof && refused.bytes == 0, "\(unit) \(credential): \(refused)")
            }
            #expect(server.curl("/v1/health").status == 200)
        }

        let events = box.auditEvents()
        let unknown = events.filter { $0["action"] as? String == "authenticate" }
        #expect(unknown.count == 1 && (unknown.first?["peer"] as? String)?.hasPrefix("unit=other.service pid=") == true, "\(unknown)")
        #expect(unknown.first?["actor"] as? String == "unauthenticated" && unknown.first?["outcome"] as? String == "denied")
        let fetches = events.filter { $0["action"] as? String == "fetch" }
        #expect(fetches.map { $0["credential_name"] as? String ?? "" } == ["bank", "gone", "short", "nope"], "\(fetches)")
        #expect(fetches.map { $0["reason"] as? String ?? "" } == ["out of policy", "revoked", "expired", "not found"], "\(fetches)")
        #expect(fetches.allSatisfy { $0["outcome"] as? String == "denied" && $0["actor"] as? String == "principal:edi" })
        #expect(fetches.allSatisfy { ($0["peer"] as? String)?.hasPrefix("unit=\(Self.unit) pid=") == true })

        let log = box.serverLogText
        #expect(log.contains("credentials socket: refused 'erp-prod' to other.service: the caller is not a principal"), "\(log)")
        for credential in ["bank", "gone", "short", "nope"] {
            #expect(log.contains("credentials socket: refused '\(credential)' to \(Self.unit): "), "\(log)")
        }
        #expect(!log.contains("delivered"))
        ServiceTests.expectCleanLog(box, secrets: ["erp-secret-1", "bank-secret-1", "gone-secret-1", "short-secret-1"])
    }

    @Test("a peer name that is not systemd's request (wrong shape, extra parts, a path, none): nothing, audited as uid=0, logged")
    func malformedPeerNames() throws {
        let box = try Self.vault()
        let cases: [[String]] = [
            ["--name", "x/unit/a"], ["--name", "abc/unit/\(Self.unit)/erp-prod/extra"], ["--name", "ABC/unit/\(Self.unit)/erp-prod"],
            ["--name", "abc/units/\(Self.unit)/erp-prod"], ["--name", "abc/unit/noservice/erp-prod"], ["--path", box.file("client.sock")],
            ["--unnamed"],
        ]
        try Self.serving(box) { _ in
            for options in cases {
                let refused = try box.credential(Self.unit, "erp-prod", options)
                #expect(refused.connected && refused.eof && refused.bytes == 0, "\(options): \(refused)")
            }
            // The socket still delivers to a well-formed request.
            #expect(try box.credential(Self.unit, "erp-prod").received == "erp-secret-1")
        }
        let refusals = box.auditEvents().filter { $0["action"] as? String == "authenticate" }
        #expect(refusals.count == cases.count, "\(refusals)")
        for event in refusals {
            #expect(event["actor"] as? String == "unauthenticated" && event["outcome"] as? String == "denied", "\(event)")
            #expect((event["peer"] as? String)?.hasPrefix("uid=0 pid=") == true, "\(event)")
            #expect(event["reason"] as? String == "credentials socket: peer's socket name is not a credential request (RANDOM/unit/UNIT/ID)")
        }
        let lines = box.serverLogText.split(separator: "\n").filter { $0.contains("peer's socket name is not a credential request") }
        #expect(lines.count == cases.count && lines.allSatisfy { $0.hasPrefix("tokenvault: credentials socket: refused uid=0 pid=") })
        ServiceTests.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    @Test(
        "a peer that is not root: kept out by the mode 0600, and refused (audited, logged) when the mode lets it in",
        .enabled(if: getuid() == 0, "needs root: the client drops to uid 65534 (nobody) with setuid")
    )
    func nonRootPeer() throws {
        let box = try Self.vault()
        let socket = Self.socket(box)
        try Self.serving(box) { _ in
            // The folder open to all: the socket's own mode 0600 is what keeps the peer out.
            #expect(chmod(box.file("credentials"), 0o755) == 0)
            let keptOut = try box.credential(Self.unit, "erp-prod", ["--as-uid", "65534"])
            #expect(!keptOut.connected && keptOut.error == "Permission denied" && keptOut.uid == 65534, "\(keptOut)")
            // Let anyone in (as a careless chmod would): the server still serves root only.
            #expect(chmod(socket, 0o666) == 0)
            let refused = try box.credential(Self.unit, "erp-prod", ["--as-uid", "65534"])
            #expect(refused.connected && refused.eof && refused.bytes == 0 && refused.uid == 65534, "\(refused)")
        }
        let refusals = box.auditEvents().filter { $0["action"] as? String == "authenticate" }
        #expect(refusals.count == 1 && (refusals.first?["peer"] as? String)?.hasPrefix("uid=65534 pid=") == true, "\(refusals)")
        #expect(refusals.first?["reason"] as? String == "credentials socket: peer is not root")
        #expect(box.serverLogText.contains("credentials socket: refused uid=65534 pid="))
        #expect(!box.auditEvents().contains { $0["action"] as? String == "fetch" })
        ServiceTests.expectCleanLog(box, secrets: ["erp-secret-1"])
    }

    @Test("a peer that never reads holds up neither the next delivery nor the API")
    func peerThatNeverReads() throws {
        let box = try Self.vault()
        // The largest secret a vault stores.
        let large = String(repeating: "L", count: 16 * 1_024)
        box.add("large", secret: large, grant: "shop:orders:r")
        box.principal(["big", "--unit", "big.service", "--allow", "large:shop:orders:r"])
        try Self.serving(box) { server in
            let stuck = box.startPython("systemd_credential.py", [Self.socket(box), "big.service", "large", "--hold", "4"])
            // Once it is connected and answered (the line is logged), while it still holds.
            let deadline = Date().addingTimeInterval(10)
            while !box.serverLogText.contains("to big.service") && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            #expect(box.serverLogText.contains("credentials socket: delivered 'large' (version 1) to big.service"), "\(box.serverLogText)")

            let next = try box.credential(Self.unit, "erp-prod")
            #expect(next.received == "erp-secret-1" && next.seconds < 2, "\(next)")
            #expect(server.curl("/v1/health").status == 200)
            #expect(stuck.exitStatus() == nil, "the peer that does not read was still holding its connection")

            let late = try ServiceTests.document(ServiceTests.finish(stuck, seconds: 20))
            #expect(late["received"] as? String == large && late["eof"] as? Bool == true, "\(late["received_bytes"] ?? "-")")
        }
        ServiceTests.expectCleanLog(box, secrets: ["erp-secret-1", large])
    }

    @Test("a credentials socket path that is a file, or the API socket itself, is refused: exit 2, nothing left listening")
    func badPaths() throws {
        let box = try Sandbox()
        #expect(FileManager.default.createFile(atPath: box.file("file"), contents: Data("keep".utf8)))
        for path in [box.file("file"), box.file("api.sock")] {
            let run = box.run(["serve", "--socket", box.file("api.sock"), "--credentials-socket", path])
            #expect(run.status == 2, "\(path): \(run.err)")
            #expect(run.err.contains("tokenvault: error: ") && (run.err.contains("not a socket") || run.err.contains("in use")), "\(run.err)")
            #expect(nothingAt(box.file("api.sock")), "the API socket is removed again")
        }
        #expect(FileManager.default.contents(atPath: box.file("file")) == Data("keep".utf8))
    }
}

/// What Scripts/systemd_credential.py saw.
struct CredentialRead: CustomStringConvertible {
    let connected: Bool
    let error: String?
    let received: String
    let bytes: Int
    let eof: Bool
    let seconds: Double
    let uid: Int

    var description: String { "connected=\(connected) error=\(error ?? "-") bytes=\(bytes) eof=\(eof) seconds=\(seconds) uid=\(uid)" }
}

extension Sandbox {
    /// Asks the sandbox's credentials socket for `credential` as systemd does for `unit`
    /// (Scripts/systemd_credential.py, with `options`); every wait bounded.
    func credential(_ unit: String, _ credential: String, _ options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> CredentialRead
    {
        let run = python("systemd_credential.py", [CredentialsSocketTests.socket(self), unit, credential] + options, timeout: 30)
        let document = try ServiceTests.document(run, sourceLocation: sourceLocation)
        return CredentialRead(
            connected: document["connected"] as? Bool ?? false, error: document["error"] as? String, received: document["received"] as? String ?? "",
            bytes: document["received_bytes"] as? Int ?? -1, eof: document["eof"] as? Bool ?? false, seconds: document["seconds"] as? Double ?? -1,
            uid: document["uid"] as? Int ?? -1
        )
    }
}

/// Whether nothing is at `path` (not even a dangling link).
func nothingAt(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) != 0 && errno == ENOENT
}
