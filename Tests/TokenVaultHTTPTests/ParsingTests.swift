import Testing
import TokenVaultHTTP

/// Requests the parser accepts: what comes out, in which order, however the bytes arrive.
@Suite("Parsing accepted requests")
struct ParsingTests {
    /// Three pipelined requests: a GET, a POST with a body, a GET that closes.
    static let pipelined = Array(
        ("GET /v1/credentials?limit=10&name=a%20b HTTP/1.1\r\nHost: vault\r\nAccept: application/json\r\n\r\n"
            + "POST /v1/credentials HTTP/1.1\r\nHost: vault\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"
            + "GET /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n").utf8
    )

    @Test("a simple GET: method, target, path, segments, query, headers, keep-alive")
    func simpleGet() throws {
        let requests = try parseRequests("GET /v1/credentials/web%2Fapi?limit=10&q=a%20b&flag HTTP/1.1\r\nHost: vault\r\nX-Trace:  abc \t\r\n\r\n")
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == "GET")
        #expect(request.target == "/v1/credentials/web%2Fapi?limit=10&q=a%20b&flag")
        #expect(request.path == "/v1/credentials/web/api")
        #expect(request.pathSegments == ["v1", "credentials", "web/api"])
        #expect(
            request.queryItems == [
                HTTPQueryItem(name: "limit", value: "10"), HTTPQueryItem(name: "q", value: "a b"), HTTPQueryItem(name: "flag", value: ""),
            ]
        )
        #expect(request.queryValue("q") == "a b")
        #expect(request.version == .http11)
        #expect(request.headers.first(name: "host") == "vault")
        #expect(request.headers.first(name: "x-trace") == "abc")
        #expect(request.headers.map(\.name) == ["Host", "X-Trace"])
        #expect(request.body.isEmpty)
        #expect(request.keepAlive)
    }

    @Test("the root path has no segments; a trailing slash gives an empty one; + stays +")
    func pathShapes() throws {
        let root = try #require(try parseRequests("GET / HTTP/1.1\r\nHost: v\r\n\r\n").first)
        #expect(root.path == "/" && root.pathSegments.isEmpty && root.queryItems.isEmpty)
        let trailing = try #require(try parseRequests("GET /a/?x=1+2& HTTP/1.1\r\nHost: v\r\n\r\n").first)
        #expect(trailing.pathSegments == ["a", ""])
        #expect(trailing.queryItems == [HTTPQueryItem(name: "x", value: "1+2")])
    }

    @Test("a POST with a body reads exactly Content-Length bytes")
    func postWithBody() throws {
        let requests = try parseRequests("POST /v1/x HTTP/1.1\r\nHost: v\r\nContent-Length: 5\r\n\r\nhello")
        let request = try #require(requests.first)
        #expect(request.method == "POST")
        #expect(request.body == Array("hello".utf8))
        #expect(try parseRequests("PUT /v1/x HTTP/1.1\r\nHost: v\r\nContent-Length: 0\r\n\r\n").first?.body == [])
    }

    @Test("a body is not returned before all of it has arrived")
    func bodyWaits() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 4\r\n\r\nab".utf8))
        #expect(try parser.next() == nil)
        parser.append(Array("cd".utf8))
        #expect(try parser.next()?.body == Array("abcd".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test("other method tokens parse, for the router to refuse")
    func otherMethods() throws {
        #expect(try parseRequests("PATCH / HTTP/1.1\r\nHost: v\r\n\r\n").first?.method == "PATCH")
        #expect(try parseRequests("HEAD / HTTP/1.1\r\nHost: v\r\n\r\n").first?.method == "HEAD")
        #expect(try parseRequests("DELETE /a HTTP/1.1\r\nHost: v\r\n\r\n").first?.method == "DELETE")
    }

    @Test("pipelined requests in one buffer come out in order")
    func pipelinedInOneBuffer() throws {
        let requests = try parseRequests([Self.pipelined])
        #expect(requests.map(\.target) == ["/v1/credentials?limit=10&name=a%20b", "/v1/credentials", "/v1/health"])
        #expect(requests[1].body == Array("hello world".utf8))
        #expect(requests.map(\.keepAlive) == [true, true, false])
    }

    @Test("the same requests come out when the bytes arrive one at a time")
    func oneByteAtATime() throws {
        let whole = try parseRequests([Self.pipelined])
        #expect(try parseRequests(Self.pipelined.map { [$0] }) == whole)
    }

    @Test("the same requests come out when the buffer is split at any byte boundary")
    func everySplitPoint() throws {
        let whole = try parseRequests([Self.pipelined])
        for split in 0...Self.pipelined.count {
            let chunks = [Array(Self.pipelined[..<split]), Array(Self.pipelined[split...])]
            #expect(try parseRequests(chunks) == whole, "split at \(split)")
        }
    }

    @Test("the same requests come out when the bytes arrive in random chunks")
    func randomChunks() throws {
        let whole = try parseRequests([Self.pipelined])
        var generator = SeededGenerator(state: 2026)
        for _ in 0..<200 {
            var chunks: [[UInt8]] = []
            var index = 0
            while index < Self.pipelined.count {
                let end = min(Self.pipelined.count, index + Int.random(in: 1...40, using: &generator))
                chunks.append(Array(Self.pipelined[index..<end]))
                index = end
            }
            #expect(try parseRequests(chunks) == whole)
        }
    }

    @Test(
        "keep-alive: HTTP/1.1 unless close; HTTP/1.0 only with keep-alive",
        arguments: [
            ("HTTP/1.1", nil, true),
            ("HTTP/1.1", "close", false),
            ("HTTP/1.1", "Keep-Alive, CLOSE", false),
            ("HTTP/1.1", "keep-alive", true),
            ("HTTP/1.0", nil, false),
            ("HTTP/1.0", "keep-alive", true),
            ("HTTP/1.0", " Keep-Alive ", true),
            ("HTTP/1.0", "keep-alive, close", false),
        ] as [(String, String?, Bool)]
    )
    func keepAlive(version: String, connection: String?, expected: Bool) throws {
        let field = connection.map { "Connection: \($0)\r\n" } ?? ""
        let request = try #require(try parseRequests("GET / \(version)\r\nHost: v\r\n\(field)\r\n").first)
        #expect(request.keepAlive == expected)
    }

    @Test("HTTP/1.0 needs no Host")
    func http10WithoutHost() throws {
        #expect(try parseRequests("GET / HTTP/1.0\r\n\r\n").first?.version == .http10)
    }

    @Test("a parsed request serializes to bytes that parse back to it")
    func serializedRoundTrip() throws {
        for request in try parseRequests([Self.pipelined]) {
            #expect(try parseRequests([request.serialized()]) == [request])
        }
        let request = try #require(try parseRequests("GET /a HTTP/1.1\r\nHost:v\r\nX:\t1  2 \r\n\r\n").first)
        #expect(request.serialized() == Array("GET /a HTTP/1.1\r\nHost: v\r\nX: 1  2\r\n\r\n".utf8))
    }

    @Test("a request line and head at their limits are accepted")
    func atTheLimits() throws {
        let prefix = "GET /"
        let suffix = " HTTP/1.1"
        let path = String(repeating: "a", count: HTTPRequestParser.maximumRequestLineLength - prefix.count - suffix.count)
        let line = "\(prefix)\(path)\(suffix)\r\n"
        let host = "Host: v\r\n"
        let fill = String(repeating: "b", count: HTTPRequestParser.maximumHeadLength - line.utf8.count - host.utf8.count - "X:\r\n\r\n".utf8.count)
        let head = "\(line)\(host)X:\(fill)\r\n\r\n"
        #expect(head.utf8.count == HTTPRequestParser.maximumHeadLength)
        #expect(try parseRequests(head).count == 1)
        let body = [UInt8](repeating: 0x41, count: HTTPRequestParser.maximumBodyLength)
        let post = Array("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        #expect(try parseRequests([post]).first?.body.count == HTTPRequestParser.maximumBodyLength)
    }
}
