import Foundation
import Testing
import TokenVaultService

/// Slow, stuck, greedy and many clients: each is cut off or refused, and the others are served.
@Suite("Limits")
struct LimitTests {
    @Test("a slowloris client gets 408 after the read timeout, even while it keeps sending")
    func slowloris() throws {
        try withServer { server in
            let result = python(
                #"""
                s = connect()
                r = Reader(s)
                start = time.monotonic()
                for byte in b"GET /slow HTTP/1.1\r\nHost: vault\r\nX-Slow: " + b"a" * 200:
                    if select.select([s], [], [], 0.05)[0]:
                        break
                    s.sendall(bytes([byte]))
                print(r.summary().splitlines()[0], r.at_eof())
                elapsed = time.monotonic() - start
                print(0.35 < elapsed < 1.5 or elapsed)
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["408 close Request Timeout True", "True"])
            #expect(server.statistics.timedOutTotal == 1)
        }
    }

    @Test("an idle connection is closed without a response after the idle timeout")
    func idleTimeout() throws {
        try withServer(try TestServer { $0.idleTimeout = .milliseconds(300) }) { server in
            let result = python(
                #"""
                start = time.monotonic()
                s = connect()
                print(Reader(s).at_eof(), 0.25 < time.monotonic() - start < 1.5)
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/once"))
                print(r.summary())
                start = time.monotonic()
                print(r.at_eof(), 0.25 < time.monotonic() - start < 1.5)
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["True True", "200 keep-alive GET /once", "True True"])
            #expect(server.statistics.timedOutTotal == 0)
        }
    }

    @Test("a client that never reads its response is closed after the write timeout, and others are served meanwhile")
    func clientThatNeverReads() throws {
        try withServer { server in
            let result = python(
                #"""
                stuck = connect()
                stuck.sendall(request("GET", "/big?size=8000000"))
                time.sleep(0.1)
                s = connect()
                r = Reader(s)
                start = time.monotonic()
                s.sendall(request("GET", "/meanwhile"))
                print(r.summary(), time.monotonic() - start < 0.3)
                time.sleep(0.8)
                total = 0
                try:
                    while True:
                        chunk = stuck.recv(1 << 20)
                        if not chunk:
                            break
                        total += len(chunk)
                except ConnectionResetError:
                    pass
                print(0 < total < 8000000)
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["200 keep-alive GET /meanwhile True", "True"])
            #expect(server.statistics.timedOutTotal == 1)
            #expect(server.eventually { server.statistics.openConnections == 0 })
        }
    }

    @Test("over the connection limit: 503 with a JSON body and a close, while the open connections are still served")
    func overLimit() throws {
        try withServer(try TestServer { $0.maxConnections = 3 }) { server in
            let result = python(
                #"""
                held = [connect() for _ in range(3)]
                readers = [Reader(s) for s in held]
                for s, r in zip(held, readers):
                    s.sendall(request("GET", "/held"))
                    r.response()
                extra = connect()
                r = Reader(extra)
                print(r.summary(), r.at_eof())
                eager = connect()
                eager.sendall(request("POST", "/echo", b"x" * 5000))
                print(Reader(eager).summary().split(" ")[0])
                held[0].sendall(request("GET", "/still-served"))
                print(readers[0].summary())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(
                result.lines == [
                    #"503 close {"error":"over-limits","message":"too many connections","hint":"retry later"} True"#, "503",
                    "200 keep-alive GET /still-served",
                ]
            )
            #expect(server.statistics.refusedOverLimitTotal == 2)
            #expect(server.statistics.acceptedConnectionsTotal == 5)
        }
    }

    @Test("1,000 connections opened and dropped (some mid-request, some before reading), then the server still answers")
    func thousandConnections() throws {
        try withServer(try TestServer { $0.maxConnections = 1_000 }) { server in
            let result = python(
                #"""
                for batch in range(10):
                    sockets = [connect() for _ in range(100)]
                    for i, s in enumerate(sockets):
                        if i % 3 == 1:
                            s.sendall(b"GET /partial HTTP/1.1\r\nHo")
                        elif i % 3 == 2:
                            s.sendall(request("GET", "/unread"))
                    for s in sockets:
                        s.close()
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/after"))
                print(r.summary())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["200 keep-alive GET /after"])
            #expect(server.eventually { server.statistics.openConnections == 0 })
            #expect(server.statistics.acceptedConnectionsTotal == 1_001)
            #expect(server.statistics.refusedOverLimitTotal == 0)
        }
    }
}
