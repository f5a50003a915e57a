import Foundation
import Testing
import TokenVaultService

/// The engine as real HTTP clients see it: curl and Python's http.client, over the Unix socket.
@Suite("Real clients")
struct RealClientTests {
    @Test("curl reuses one keep-alive connection for two URLs")
    func curlKeepAlive() throws {
        try withServer { server in
            let result = run([
                "curl", "-sS", "--max-time", "5", "--unix-socket", server.socketPath, "-w", "|%{http_code} %{num_connects}\n",
                "http://vault/a?x=1", "http://vault/b",
            ])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["GET /a?x=1|200 1", "GET /b|200 0"])
            #expect(server.statistics.acceptedConnectionsTotal == 1)
            #expect(server.statistics.requestsTotal == 2)
        }
    }

    @Test("curl posts a body and gets it back")
    func curlPost() throws {
        try withServer { server in
            let result = run([
                "curl", "-sS", "--max-time", "5", "--unix-socket", server.socketPath, "--data-binary", "hello, vault", "http://vault/echo",
            ])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.output == "hello, vault")
        }
    }

    @Test("Python's http.client: GET, POST, HEAD and GET again on one connection")
    func pythonHTTPClient() throws {
        try withServer { server in
            let result = python(
                #"""
                class UnixHTTPConnection(http.client.HTTPConnection):
                    def __init__(self, path):
                        super().__init__("vault", timeout=5)
                        self.unix_path = path

                    def connect(self):
                        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        self.sock.settimeout(self.timeout)
                        self.sock.connect(self.unix_path)

                c = UnixHTTPConnection(PATH)
                c.request("GET", "/hello?name=a%20b")
                r = c.getresponse()
                print(r.status, r.getheader("Connection"), r.read().decode())
                first = c.sock
                c.request("POST", "/echo", body=b"payload")
                r = c.getresponse()
                print(r.status, r.read().decode())
                c.request("HEAD", "/head")
                r = c.getresponse()
                print(r.status, r.getheader("Content-Length"), r.read())
                c.request("GET", "/after-head")
                r = c.getresponse()
                print(r.status, r.read().decode(), c.sock is first)
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["200 keep-alive GET /hello?name=a%20b", "200 payload", "200 10 b''", "200 GET /after-head True"])
            #expect(server.statistics.acceptedConnectionsTotal == 1)
        }
    }

    @Test("the handler sees the peer's credentials: this user and the client's process")
    func peerCredentials() throws {
        try withServer { server in
            let result = python(
                #"""
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/peer"))
                print(r.response()["body"])
                print(os.getuid(), os.getgid(), os.getpid())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines.count == 2 && result.lines[0] == result.lines[1], "\(result.lines)")
            #expect(result.lines.first?.split(separator: " ").first.map(String.init) == String(getuid()))
        }
    }
}
