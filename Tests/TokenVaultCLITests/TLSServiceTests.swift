import Foundation
import Testing

/// `tokenvault serve --listen` over TLS, through real clients: curl (`--cacert`, and `--cert`
/// with `--key` for mutual TLS), Python's http.client with ssl (Scripts/tls_client.py), and the
/// CLI itself with `TOKENVAULT_ADDR=https://…`. Certificates are made by `openssl req` in each
/// test's sandbox; the listener is bound to 127.0.0.1 on a port the system picks.
@Suite("tokenvault serve over TLS", .serialized)
struct TLSServiceTests {
    static var fetchNeed: [String: Any] { ServiceTests.fetchNeed }

    // MARK: - Happy paths

    @Test("curl, Python and the CLI fetch over TLS by access token and by client certificate; every fetch audited with its peer")
    func fetchesOverTLS() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        let token = box.principal(["ci", "--token", "--allow", "erp-prod:shop:orders:r"])
        box.principal(["edi", "--cert-fingerprint", try pki.fingerprint("client"), "--allow", "erp-prod:shop:orders:r"])
        try box.write("ci.token", token)

        try box.serving(pki.listenArguments(clientCA: true)) { server in
            let port = try server.tlsPort()
            // curl with the CA: health, then a fetch by token and one by certificate.
            #expect(pki.curl(port, "/v1/health").status == 200)
            let byToken = pki.curl(port, "/v1/fetch", ["-H", "Authorization: Bearer \(token)", "--data-binary", try json(Self.fetchNeed)])
            #expect(byToken.status == 200 && byToken.object["secret"] as? String == "erp-secret-1", "\(byToken)")
            #expect(byToken.headers["cache-control"] == "no-store")
            let byCertificate = pki.curl(port, "/v1/fetch", pki.clientCertificate("client") + ["--data-binary", try json(Self.fetchNeed)])
            #expect(byCertificate.status == 200 && byCertificate.object["secret"] as? String == "erp-secret-1", "\(byCertificate)")

            // Python: three requests on one connection, TLS 1.3.
            let python = try pki.python(
                port, [.get("/v1/health"), .post("/v1/fetch", Self.fetchNeed, token: token), .get("/v1/credentials", token: token)])
            #expect(python["tls_version"] as? String == "TLSv1.3" && python["connections"] as? Int == 1, "\(python)")
            let statuses = (python["results"] as? [[String: Any]] ?? []).map { $0["status"] as? Int ?? 0 }
            #expect(statuses == [200, 200, 200], "\(python)")
            let mutual = try pki.python(port, [.post("/v1/fetch", Self.fetchNeed)], certificate: "client")
            #expect((mutual["results"] as? [[String: Any]])?.first?["status"] as? Int == 200, "\(mutual)")

            // The CLI as a client: a token file, or a client certificate and its key.
            let address = "https://127.0.0.1:\(port)"
            let environment = [
                "TOKENVAULT_ADDR": address, "TOKENVAULT_CA_FILE": pki.file("ca.crt"), "TOKENVAULT_PATH": "", "TOKENVAULT_KEY_FILE": "",
            ]
            let get = box.run(
                ["get", "erp-prod", "--project", "shop", "--resource", "orders", "--permission", "r"],
                environment: environment.merging(["TOKENVAULT_TOKEN_FILE": box.file("ci.token")]) { $1 })
            #expect(get.status == 0 && get.out == "erp-secret-1", "\(get.err)")
            let mtls = box.run(
                ["get", "erp-prod", "--project", "shop", "--resource", "orders", "--permission", "r"],
                environment: environment.merging(["TOKENVAULT_CLIENT_CERT": pki.file("client.crt"), "TOKENVAULT_CLIENT_KEY": pki.file("client.key")])
                { $1 })
            #expect(mtls.status == 0 && mtls.out == "erp-secret-1", "\(mtls.err)")
            // By name too: the certificate names localhost as well as 127.0.0.1.
            let byName = box.run(
                ["list", "--json"],
                environment: environment.merging(["TOKENVAULT_ADDR": "https://localhost:\(port)", "TOKENVAULT_TOKEN_FILE": box.file("ci.token")]) {
                    $1
                })
            #expect(byName.status == 0 && byName.out.contains("erp-prod"), "\(byName.err)")
        }

        let fetches = box.auditEvents().filter { $0["action"] as? String == "fetch" }
        #expect(fetches.count == 6)
        let peers = fetches.compactMap { $0["peer"] as? String }
        let certificatePeer = "cert=" + (try pki.fingerprint("client"))
        #expect(peers.filter { $0.hasPrefix("token=tva-") && $0.contains(" addr=127.0.0.1:") }.count == 3, "\(peers)")
        #expect(peers.filter { $0.hasPrefix("addr=127.0.0.1:") && $0.hasSuffix(certificatePeer) }.count == 3, "\(peers)")
        #expect(fetches.allSatisfy { $0["actor_kind"] as? String == "principal" && $0["outcome"] as? String == "ok" })
        #expect(box.run(["audit", "verify"]).status == 0)
        // Neither the secret nor the token reached the server's log.
        #expect(box.serverLogText.contains("on \(box.file("serve.sock")) and https://127.0.0.1:"))
        #expect(!box.serverLogText.contains("erp-secret-1") && !box.serverLogText.contains(token))
    }

    // MARK: - Hostile and unhappy paths

    @Test("refused: plain HTTP, a stalled handshake, an unbound, an expired and a wrongly signed client certificate; the server unharmed")
    func hostileClients() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        let token = box.principal(["ci", "--token", "--allow", "erp-prod:shop:orders:r"])
        let watcher = box.principal(["watcher", "--token", "--allow", "metrics"])
        try box.serving(pki.listenArguments(clientCA: true)) { server in
            let port = try server.tlsPort()
            // Plain HTTP to the TLS port: closed with no HTTP answer.
            let plain = try pki.hostile(port, "plain-http")
            #expect(!(plain["answer"] as? String ?? "").contains("HTTP/1.1"), "\(plain)")
            // A handshake that never starts: closed after the read time-out (5 s), not held.
            let stalled = try pki.hostile(port, "stall")
            let after = stalled["closed_after"] as? Double ?? 0
            #expect(after >= 4 && after < 12, "\(stalled)")

            // A certificate that chains to the CA but is bound to no principal: the handshake
            // succeeds, the request is refused and audited with the certificate.
            let unbound = pki.curl(port, "/v1/fetch", pki.clientCertificate("client") + ["--data-binary", try json(Self.fetchNeed)])
            #expect(unbound.status == 401 && unbound.object["error"] as? String == "unauthenticated", "\(unbound)")
            // Expired, or signed by another CA: refused in the handshake.
            for name in ["expired", "rogue"] {
                let refused = pki.curl(port, "/v1/health", pki.clientCertificate(name))
                #expect(refused.status == 0, "\(name): \(refused)")
            }
            // A client that does not trust the server's CA stops before sending anything.
            let untrusted = Sandbox.execute(
                "/usr/bin/env", ["curl", "-sS", "--max-time", "10", "https://127.0.0.1:\(port)/v1/health"], input: [], environment: box.environment,
                timeout: 20)
            #expect(untrusted.status != 0)

            // The server still answers, over TLS and on its Unix socket.
            let fetched = pki.curl(port, "/v1/fetch", ["-H", "Authorization: Bearer \(token)", "--data-binary", try json(Self.fetchNeed)])
            #expect(fetched.status == 200, "\(fetched)")
            #expect(unixSocketGet(server.socket, "/v1/health") == 200)
            // Plain HTTP, expired, rogue, and the client that did not trust the server: counted.
            let metrics = pki.curl(port, "/metrics", ["-H", "Authorization: Bearer \(watcher)"])
            #expect(metrics.status == 200 && metrics.body.contains("tokenvault_tls_handshakes_failed_total 4"), "\(metrics.body)")
        }
        let refusals = box.auditEvents().filter { $0["action"] as? String == "authenticate" }
        #expect(refusals.count == 1)
        let peer = refusals.first?["peer"] as? String ?? ""
        let fingerprint = try pki.fingerprint("client")
        #expect(peer.hasPrefix("addr=127.0.0.1:") && peer.hasSuffix("cert=" + fingerprint), "\(peer)")
        let log = box.serverLogText
        #expect(log.contains("failed: http request"), "\(log)")
        #expect(log.contains("certificate has expired") || log.contains("certificate expired"), "\(log)")
        #expect(log.contains("unknown ca") || log.contains("certificate verify failed") || log.contains("unable to get local issuer"), "\(log)")
    }

    @Test(
        "a refused request over TLS lingers without spinning; pipelined requests in one record; an invalid token never falls back to the certificate")
    func refusalsPipeliningAndPrecedence() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        box.principal(["edi", "--cert-fingerprint", try pki.fingerprint("client"), "--allow", "erp-prod:shop:orders:r"])
        try box.serving(pki.listenArguments(clientCA: true)) { server in
            let port = try server.tlsPort()
            // A malformed request: 400, then the connection lingers while the client sends on for
            // 1.5 s. Were the loop to spin on it, the server would burn that time in CPU.
            let before = try server.cpuTicks()
            let refused = try pki.hostile(port, "bad-request")
            let spent = try server.cpuTicks() - before
            #expect((refused["answer"] as? String ?? "").hasPrefix("HTTP/1.1 400"), "\(refused)")
            #expect(spent < 50, "the server used \(spent) ticks of CPU while a refused TLS connection lingered")

            let pipelined = try pki.hostile(port, "pipelined")
            let answer = pipelined["answer"] as? String ?? ""
            #expect(answer.components(separatedBy: "HTTP/1.1 200").count == 3, "\(pipelined)")

            // A bound certificate with a token that is no principal's: refused, as the token.
            let both = pki.curl(
                port, "/v1/fetch",
                pki.clientCertificate("client") + ["-H", "Authorization: Bearer tva_notatoken", "--data-binary", try json(Self.fetchNeed)])
            #expect(both.status == 401, "\(both)")
            let byCertificate = pki.curl(port, "/v1/fetch", pki.clientCertificate("client") + ["--data-binary", try json(Self.fetchNeed)])
            #expect(byCertificate.status == 200, "\(byCertificate)")
        }
    }

    @Test("a host refused too often gets 429, unaudited, while its callers that authenticate are served")
    func refusedHostsAndTheirGoodCallers() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        let token = box.principal(["ci", "--token", "--allow", "erp-prod:shop:orders:r"])
        try box.serving(pki.listenArguments(clientCA: false)) { server in
            let port = try server.tlsPort()
            let bad = (0..<40).map { _ in APIRequest.post("/v1/fetch", Self.fetchNeed, token: "tva_notatoken") }
            let flood = try pki.python(port, bad + [.post("/v1/fetch", Self.fetchNeed, token: token)])
            let statuses = (flood["results"] as? [[String: Any]] ?? []).map { $0["status"] as? Int ?? 0 }
            #expect(statuses.count == 41 && statuses.last == 200, "\(statuses)")
            #expect(statuses.dropLast().contains(429) && statuses.dropLast().allSatisfy { $0 == 401 || $0 == 429 }, "\(statuses)")
            let audited = box.auditEvents().filter { $0["action"] as? String == "authenticate" }.count
            #expect(audited == statuses.filter { $0 == 401 }.count && audited < 40, "\(audited) refusals audited")
        }
    }

    @Test("no session resumption: a TLS 1.2 session gets neither an id nor a ticket to come back with")
    func noResumption() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        try box.serving(pki.listenArguments(clientCA: true)) { server in
            let port = try server.tlsPort()
            let session = pki.file("session.pem")
            let run = Sandbox.execute(
                "/usr/bin/env",
                ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-CAfile", pki.file("ca.crt"), "-sess_out", session]
                    + pki.clientCertificate("client"),
                input: [], environment: box.environment, timeout: 30)
            #expect(run.out.contains("New, TLSv1.2") && run.out.contains("Verify return code: 0 (ok)"), "\(run.out)")
            // Resumable would mean a session id or a ticket; s_client writes only a resumable session.
            #expect(run.out.contains("Session-ID: \n") && !run.out.contains("TLS session ticket"), "\(run.out)")
            #expect(!FileManager.default.fileExists(atPath: session))
        }
    }

    @Test("TLS connections take at most half the connection slots: the Unix socket's callers keep the rest")
    func remoteConnectionCap() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        try box.serving(pki.listenArguments(clientCA: false) + ["--max-connections", "4"]) { server in
            let port = try server.tlsPort()
            let holder = box.startPython("tls_client.py", ["--hold", "127.0.0.1", "\(port)", "2", "4"])
            defer {
                holder.signal(SIGKILL)
                holder.wait()
            }
            var line = ""
            while !line.hasSuffix("\n"), let byte = try? holder.output?.read(upToCount: 1), !byte.isEmpty {
                line += String(decoding: byte, as: UTF8.self)
            }
            #expect(line == "ready\n")
            // A third TLS connection is closed at once (a stalled one would wait 5 s).
            let third = try pki.hostile(port, "stall")
            #expect((third["closed_after"] as? Double ?? 99) < 2, "\(third)")
            // Two slots are left for local callers.
            #expect(unixSocketGet(server.socket, "/v1/health") == 200)
            #expect(server.curl("/v1/health").status == 200)
        }
    }

    @Test("without --tls-client-ca no certificate is asked for: a token is the only way in")
    func withoutClientCA() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        box.principal(["edi", "--cert-fingerprint", try pki.fingerprint("client"), "--allow", "erp-prod:shop:orders:r"])
        try box.serving(pki.listenArguments(clientCA: false)) { server in
            let port = try server.tlsPort()
            let refused = pki.curl(port, "/v1/fetch", pki.clientCertificate("client") + ["--data-binary", try json(Self.fetchNeed)])
            #expect(refused.status == 401, "\(refused)")
        }
        #expect(box.auditEvents().last?["reason"] as? String == "no access token or client certificate")
    }

    @Test("serve refuses bad TLS options before unlocking the vault, and the CLI's bad https settings, with exit 2 or 5")
    func badOptions() throws {
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        let socket = ["--socket", box.file("bad.sock")]
        let cases: [([String], String)] = [
            (["--listen", "127.0.0.1:0"], "--listen needs --tls-cert and --tls-key"),
            (["--tls-cert", pki.file("server.crt")], "--tls-cert goes with --listen"),
            (["--listen", "nowhere", "--tls-cert", pki.file("server.crt"), "--tls-key", pki.file("server.key")], "invalid address"),
            (["--listen", "127.0.0.1:0", "--tls-cert", pki.file("missing.crt"), "--tls-key", pki.file("server.key")], "cannot load the certificate"),
            (["--listen", "127.0.0.1:0", "--tls-cert", pki.file("server.crt"), "--tls-key", pki.file("client.key")], "mismatch"),
            (["--listen", "127.0.0.1:0", "--tls-cert", pki.file("server.crt"), "--tls-key", pki.file("open.key")], "accessible to other users"),
            (["--listen", "127.0.0.1:0"] + pki.serverFiles + ["--tls-client-ca", pki.file("missing.crt")], "cannot load the client CA"),
        ]
        try FileManager.default.copyItem(atPath: pki.file("server.key"), toPath: pki.file("open.key"))
        chmod(pki.file("open.key"), 0o644)
        for (arguments, message) in cases {
            // No key: a refusal must come before the vault is unlocked.
            let run = Sandbox.execute(
                toolURL.path, ["serve"] + socket + arguments, input: [], environment: box.environment.merging(["TOKENVAULT_KEY_FILE": ""]) { $1 },
                timeout: 20)
            #expect(run.status == 2 && run.err.contains(message), "\(arguments): \(run.status) \(run.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: box.file("bad.sock")))

        try box.serving(pki.listenArguments(clientCA: false)) { server in
            let port = try server.tlsPort()
            let client = ["TOKENVAULT_PATH": "", "TOKENVAULT_KEY_FILE": ""]
            let list = ["list"]
            // Untrusted server certificate: exit 5, with the hint.
            let untrusted = box.run(list, environment: client.merging(["TOKENVAULT_ADDR": "https://127.0.0.1:\(port)"]) { $1 })
            #expect(untrusted.status == 5 && untrusted.err.contains("TOKENVAULT_CA_FILE"), "\(untrusted.err)")
            // A name the certificate does not hold.
            let otherName = box.run(
                list, environment: client.merging(["TOKENVAULT_ADDR": "https://127.0.0.2:\(port)", "TOKENVAULT_CA_FILE": pki.file("ca.crt")]) { $1 })
            #expect(otherName.status == 5, "\(otherName.err)")
            // Usage errors: plain http, a CA file for a Unix socket, a certificate without its key.
            let http = box.run(list, environment: client.merging(["TOKENVAULT_ADDR": "http://127.0.0.1:\(port)"]) { $1 })
            #expect(http.status == 2 && http.err.contains("https://HOST:PORT"), "\(http.err)")
            let unixCA = box.run(["--ca-file", pki.file("ca.crt")] + list, environment: client.merging(["TOKENVAULT_ADDR": server.socket]) { $1 })
            #expect(unixCA.status == 2 && unixCA.err.contains("is for an https:// server"), "\(unixCA.err)")
            let halfPair = box.run(
                ["--client-cert", pki.file("client.crt")] + list,
                environment: client.merging(["TOKENVAULT_ADDR": "https://127.0.0.1:\(port)", "TOKENVAULT_CA_FILE": pki.file("ca.crt")]) { $1 })
            #expect(halfPair.status == 2 && halfPair.err.contains("go together"), "\(halfPair.err)")
            let withoutServer = box.run(["--ca-file", pki.file("ca.crt")] + list)
            #expect(withoutServer.status == 2 && withoutServer.err.contains("goes with --server"), "\(withoutServer.err)")
        }
    }

    @Test(
        "libssl is not linked: mapped by a server with --listen, not by one without",
        .enabled(if: TestEngine.isSQLite, "libpq, loaded for a vault in PostgreSQL, maps libssl itself"))
    func libsslOnlyWhereTLSIsUsed() throws {
        let linked = Sandbox.execute("/usr/bin/env", ["ldd", toolURL.path], input: [], environment: ["PATH": "/usr/bin:/bin"], timeout: 30)
        #expect(linked.status == 0 && linked.out.contains("libcrypto") && !linked.out.contains("libssl"), "\(linked.out)")
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        // procfs files have no size, which Foundation's readers go by: cat reads them.
        func mapsLibssl(_ server: ServeProcess) throws -> Bool {
            let maps = Sandbox.execute("/bin/cat", ["/proc/\(server.pid)/maps"], input: [], environment: [:], timeout: 30)
            try #require(maps.status == 0 && maps.out.contains("libcrypto"), "\(maps.err)")
            return maps.out.contains("libssl.so")
        }
        let plain = try box.serving { server in try mapsLibssl(server) }
        let tls = try box.serving(pki.listenArguments(clientCA: false)) { server in try mapsLibssl(server) }
        #expect(!plain && tls)
    }

    @Test("keys given as systemd credentials (root's, 0440: an ACL's mask) are accepted in $CREDENTIALS_DIRECTORY only")
    func systemdCredentialKeys() throws {
        guard getuid() == 0 else { return }  // the files must be root's, as systemd writes them
        let box = try ServiceTests.vault()
        let pki = try TestPKI(in: box)
        let credentials = box.file("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
        for (from, to) in [(box.keyFile, "vault.key"), (pki.file("server.key"), "tls.key")] {
            try FileManager.default.copyItem(atPath: from, toPath: credentials + "/" + to)
            chmod(credentials + "/" + to, 0o440)
        }
        let key = ["TOKENVAULT_KEY_FILE": credentials + "/vault.key"]
        let accepted = box.run(["list"], environment: key.merging(["CREDENTIALS_DIRECTORY": credentials]) { $1 })
        #expect(accepted.status == 0, "\(accepted.err)")
        let elsewhere = box.run(["list"], environment: key.merging(["CREDENTIALS_DIRECTORY": box.path]) { $1 })
        #expect(elsewhere.status == 5 && elsewhere.err.contains("readable by other users"), "\(elsewhere.err)")
        chmod(credentials + "/vault.key", 0o444)
        let forOthers = box.run(["list"], environment: key.merging(["CREDENTIALS_DIRECTORY": credentials]) { $1 })
        #expect(forOthers.status == 5, "\(forOthers.err)")

        let serve = Sandbox.execute(
            toolURL.path,
            [
                "serve", "--socket", box.file("s.sock"), "--listen", "127.0.0.1:0", "--tls-cert", pki.file("server.crt"), "--tls-key",
                credentials + "/tls.key",
                "--tls-client-ca", pki.file("missing.crt"),
            ],
            input: [], environment: box.environment, timeout: 20)
        // Without CREDENTIALS_DIRECTORY the 0440 key is refused; with it, the key passes and the
        // missing client CA is what stops the start (both before the vault is unlocked).
        #expect(serve.status == 2 && serve.err.contains("accessible to other users"), "\(serve.err)")
        let withCredentials = Sandbox.execute(
            toolURL.path,
            [
                "serve", "--socket", box.file("s.sock"), "--listen", "127.0.0.1:0", "--tls-cert", pki.file("server.crt"), "--tls-key",
                credentials + "/tls.key",
                "--tls-client-ca", pki.file("missing.crt"),
            ],
            input: [], environment: box.environment.merging(["CREDENTIALS_DIRECTORY": credentials]) { $1 }, timeout: 20)
        #expect(withCredentials.status == 2 && withCredentials.err.contains("cannot load the client CA"), "\(withCredentials.err)")
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

/// A throwaway PKI made with `openssl req` and `openssl x509` in a sandbox: a CA; a server
/// certificate for 127.0.0.1 and localhost; client certificates `client` (by the CA),
/// `expired` (by the CA, expired yesterday) and `rogue` (by another CA). Keys are P-256, mode 0600.
struct TestPKI {
    let box: Sandbox
    let directory: String

    init(in box: Sandbox) throws {
        self.box = box
        directory = box.file("pki")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=Test CA",
        ])
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "rogue-ca.key", "-out", "rogue-ca.crt",
            "-days", "2", "-subj", "/CN=Rogue CA",
        ])
        try box.write("pki/server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        try certificate("server", by: "ca", days: "2", extensions: "server.ext")
        try certificate("client", by: "ca", days: "2")
        try certificate("expired", by: "ca", days: "-1")
        try certificate("rogue", by: "rogue-ca", days: "2")
        for name in ["ca", "rogue-ca", "server", "client", "expired", "rogue"] { chmod(file("\(name).key"), 0o600) }
    }

    func file(_ name: String) -> String { directory + "/" + name }

    var serverFiles: [String] { ["--tls-cert", file("server.crt"), "--tls-key", file("server.key")] }

    /// `--listen 127.0.0.1:0` with the server's certificate (and the client CA).
    func listenArguments(clientCA: Bool) -> [String] {
        ["--listen", "127.0.0.1:0"] + serverFiles + (clientCA ? ["--tls-client-ca", file("ca.crt")] : [])
    }

    /// The certificate's SHA-256 fingerprint, as `openssl x509 -fingerprint` prints it.
    func fingerprint(_ name: String) throws -> String {
        let printed = try openssl(["x509", "-in", "\(name).crt", "-noout", "-fingerprint", "-sha256"])
        let hex = printed.split(separator: "=").last.map(String.init) ?? ""
        return hex.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// curl's options to present the client certificate `name`.
    func clientCertificate(_ name: String) -> [String] { ["--cert", file("\(name).crt"), "--key", file("\(name).key")] }

    /// `curl --cacert CA https://127.0.0.1:PORT` + `target`: the response, status 0 when the
    /// connection failed.
    func curl(_ port: Int, _ target: String, _ arguments: [String] = []) -> APIResponse {
        let run = Sandbox.execute(
            "/usr/bin/env",
            ["curl", "-sS", "-i", "--max-time", "10", "--cacert", file("ca.crt")] + arguments + ["https://127.0.0.1:\(port)" + target],
            input: [], environment: box.environment, timeout: 20)
        return APIResponse(curlOutput: run)
    }

    /// Scripts/tls_client.py: `requests` on one connection.
    func python(_ port: Int, _ requests: [APIRequest], certificate: String? = nil) throws -> [String: Any] {
        let input = String(decoding: try JSONSerialization.data(withJSONObject: requests.map(\.dictionary)), as: UTF8.self)
        let keyPair = certificate.map { [file("\($0).crt"), file("\($0).key")] } ?? []
        let run = box.python("tls_client.py", ["127.0.0.1", "\(port)", file("ca.crt")] + keyPair, input: input, timeout: 60)
        try #require(run.status == 0, "\(run.out)\(run.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any])
    }

    /// Scripts/tls_client.py --hostile: what a hostile client saw.
    func hostile(_ port: Int, _ which: String) throws -> [String: Any] {
        let run = box.python("tls_client.py", ["--hostile", "127.0.0.1", "\(port)", which, file("ca.crt")], timeout: 60)
        try #require(run.status == 0, "\(run.out)\(run.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any])
    }

    private func certificate(_ name: String, by issuer: String, days: String, extensions: String? = nil) throws {
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj",
            "/CN=\(name)",
        ])
        try openssl(
            [
                "x509", "-req", "-in", "\(name).csr", "-CA", "\(issuer).crt", "-CAkey", "\(issuer).key", "-CAcreateserial", "-out", "\(name).crt",
                "-days", days,
            ]
                + (extensions.map { ["-extfile", $0] } ?? []))
    }

    @discardableResult
    private func openssl(_ arguments: [String]) throws -> String {
        let run = Sandbox.execute(
            "/bin/sh", ["-c", "cd \"$0\" && exec openssl \"$@\"", directory] + arguments, input: [], environment: box.environment, timeout: 60)
        try #require(run.status == 0, "openssl \(arguments.joined(separator: " ")): \(run.err)")
        return run.out
    }
}

extension Sandbox {
    /// Writes `text` to the sandbox's file `name`, readable by its owner only.
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
        chmod(file(name), 0o600)
    }
}

extension ServeProcess {
    /// The CPU the server has used (user and system), in clock ticks, from /proc/PID/stat
    /// (read by cat: procfs files have no size, which Foundation's readers go by).
    func cpuTicks() throws -> Int {
        let stat = Sandbox.execute("/bin/cat", ["/proc/\(pid)/stat"], input: [], environment: [:], timeout: 30)
        // After the command's name in parentheses: state is field 3, utime 14, stime 15.
        let fields = try #require(stat.out.split(separator: ")").last?.split(separator: " "), "\(stat.err)")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// The port of the TLS listener, from the server's "serving … and https://HOST:PORT" line.
    func tlsPort(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let log = box.serverLogText
        let marker = try #require(log.range(of: "https://127.0.0.1:", options: .backwards), "\(log)", sourceLocation: sourceLocation)
        let digits = log[marker.upperBound...].prefix { $0.isNumber }
        return try #require(Int(digits), "\(log)", sourceLocation: sourceLocation)
    }
}

extension APIResponse {
    /// The response curl printed with `-i`; status 0 (and curl's error as the body) when it failed.
    init(curlOutput run: Run) {
        let text = run.out
        guard run.status == 0, let split = text.range(of: "\r\n\r\n") else {
            self.init(status: 0, headers: [:], body: run.err)
            return
        }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        self.init(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
