import Foundation
import Testing
import TokenVaultService

/// Framing on one connection: pipelining, refusals, half-closed connections.
@Suite("Connections and framing")
struct ProtocolTests {
    @Test("pipelined requests are answered in order; Connection: close ends the connection after its response")
    func pipelined() throws {
        try withServer { server in
            let result = python(
                #"""
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/1") + request("POST", "/echo", b"two") + request("GET", "/3"))
                for _ in range(3):
                    print(r.summary())
                s.sendall(request("GET", "/4") + request("GET", "/5", headers=["Connection: close"]) + request("GET", "/6"))
                for _ in range(2):
                    print(r.summary())
                print(r.at_eof())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(
                result.lines == [
                    "200 keep-alive GET /1", "200 keep-alive two", "200 keep-alive GET /3", "200 keep-alive GET /4", "200 close GET /5", "True",
                ]
            )
        }
    }

    @Test("refused requests get their status and a closed connection: 431, 413, 411, 400, 505")
    func refusals() throws {
        try withServer { server in
            let result = python(
                #"""
                def refused(data):
                    s = connect()
                    r = Reader(s)
                    s.sendall(data)
                    resp = r.response()
                    return f'{resp["status"]} {resp["headers"]["connection"]} {r.at_eof()}'

                print(refused(b"GET / HTTP/1.1\r\nHost: v\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"))
                print(refused(b"POST /echo HTTP/1.1\r\nHost: v\r\nContent-Length: 100000\r\n\r\n"))
                print(refused(b"POST /echo HTTP/1.1\r\nHost: v\r\nContent-Length: 100000\r\n\r\n" + b"b" * 100000))
                print(refused(b"POST /echo HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
                print(refused(b"GET /a/../b HTTP/1.1\r\nHost: v\r\n\r\n"))
                print(refused(b"GET / HTTP/2.0\r\nHost: v\r\n\r\n"))
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["431 close True", "413 close True", "413 close True", "411 close True", "400 close True", "505 close True"])
            #expect(server.statistics.requestsTotal == 0)
        }
    }

    @Test("a refusal after pipelined requests: the good ones are answered, then the refusal, then the end")
    func refusalAfterPipelinedRequests() throws {
        try withServer { server in
            let result = python(
                #"""
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/ok") + b"BAD REQUEST\r\n\r\n")
                print(r.summary())
                print(r.summary())
                print(r.at_eof())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["200 keep-alive GET /ok", "400 close Bad Request", "", "True"])
        }
    }

    @Test("a half-closed connection: closed without a response mid-request, answered after a complete request")
    func halfClosed() throws {
        try withServer { server in
            let result = python(
                #"""
                s = connect()
                r = Reader(s)
                s.sendall(b"GET /partial HTTP/1.1\r\nHost: v\r\n")
                s.shutdown(socket.SHUT_WR)
                print(r.at_eof(), r.buf)
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/complete") + request("GET", "/second"))
                s.shutdown(socket.SHUT_WR)
                print(r.summary())
                print(r.summary())
                print(r.at_eof())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines == ["True b''", "200 keep-alive GET /complete", "200 keep-alive GET /second", "True"])
            #expect(server.eventually { server.statistics.openConnections == 0 })
        }
    }

    @Test("a response to a handler's keepAlive = false closes the connection")
    func handlerCloses() throws {
        try withServer { server in
            let result = python(
                #"""
                s = connect()
                r = Reader(s)
                s.sendall(request("GET", "/close") + request("GET", "/never"))
                print(r.summary())
                print(r.at_eof())
                """#,
                socketPath: server.socketPath
            )
            #expect(result.lines == ["200 close closing", "True"], "\(result.errors)")
        }
    }
}
