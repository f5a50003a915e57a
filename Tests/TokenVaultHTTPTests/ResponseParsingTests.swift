import Testing
import TokenVaultHTTP

/// Responses the client-side parser accepts: what comes out, however the bytes arrive, and
/// how bodies end.
@Suite("Parsing responses")
struct ResponseParsingTests {
    /// Three responses on one connection: JSON, no content, then an error that closes.
    static let sequence =
        HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array(#"{"name":"erp"}"#.utf8)).serialized()
        + HTTPResponse(status: .noContent).serialized()
        + HTTPResponse(status: .notFound, headers: ["Content-Type": "text/plain"], body: Array("no such credential\n".utf8), keepAlive: false)
        .serialized()

    @Test("a response: version, status, reason, headers in order, body, keep-alive")
    func simple() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Trace:  abc \t\r\nContent-Length: 2\r\n\r\n{}"
        let response = try #require(try parseResponses(text).first)
        #expect(response.version == .http11)
        #expect(response.status == .ok && response.reasonPhrase == "OK")
        #expect(response.headers.map(\.name) == ["Content-Type", "X-Trace", "Content-Length"])
        #expect(response.headers.first(name: "x-trace") == "abc")
        #expect(response.body == Array("{}".utf8))
        #expect(response.keepAlive)
    }

    @Test("the server's own responses parse back: status, fields, body, keep-alive")
    func serverResponses() throws {
        let responses = try parseResponses([Self.sequence])
        #expect(responses.map(\.status.code) == [200, 204, 404])
        #expect(responses.map(\.reasonPhrase) == ["OK", "No Content", "Not Found"])
        #expect(responses[0].body == Array(#"{"name":"erp"}"#.utf8))
        #expect(responses[0].headers.first(name: "Content-Type") == "application/json")
        #expect(responses[1].body.isEmpty)
        #expect(responses[2].body == Array("no such credential\n".utf8))
        #expect(responses.map(\.keepAlive) == [true, true, false])
        // An error response, and a reason phrase the table does not have (empty).
        let error = try parseResponses([HTTPResponse(error: .contentTooLarge).serialized()])
        #expect(error.first?.status == .contentTooLarge && error.first?.keepAlive == false)
        let unnamed = try parseResponses([HTTPResponse(status: HTTPStatus(code: 299)).serialized()])
        #expect(unnamed.first?.status.code == 299 && unnamed.first?.reasonPhrase == "")
    }

    @Test("the same responses come out when the buffer is split at any byte boundary, or arrives a byte at a time")
    func everySplitPoint() throws {
        let whole = try parseResponses([Self.sequence])
        for split in 0...Self.sequence.count {
            let chunks = [Array(Self.sequence[..<split]), Array(Self.sequence[split...])]
            #expect(try parseResponses(chunks) == whole, "split at \(split)")
        }
        #expect(try parseResponses(Self.sequence.map { [$0] }) == whole)
    }

    @Test("the same responses come out when the bytes arrive in random chunks")
    func randomChunks() throws {
        let stream = Self.sequence
        let whole = try parseResponses([stream])
        var generator = SeededGenerator(state: 2027)
        for _ in 0..<200 {
            var chunks: [[UInt8]] = []
            var index = stream.startIndex
            while index < stream.endIndex {
                let end = min(stream.endIndex, index + Int.random(in: 1...40, using: &generator))
                chunks.append(Array(stream[index..<end]))
                index = end
            }
            #expect(try parseResponses(chunks) == whole)
        }
    }

    @Test("a body is not returned before all of it has arrived")
    func bodyWaits() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab".utf8))
        #expect(try parser.next() == nil)
        parser.append(Array("cd".utf8))
        #expect(try parser.next()?.body == Array("abcd".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test("without Content-Length the body runs to the end of the connection, which finish() marks")
    func closeDelimited() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Type: application/jsonl\r\n\r\n{\"id\":1}\n".utf8))
        #expect(try parser.next() == nil)
        parser.append(Array("{\"id\":2}\n".utf8))
        #expect(try parser.next() == nil)
        parser.finish()
        let response = try #require(try parser.next())
        #expect(response.body == Array("{\"id\":1}\n{\"id\":2}\n".utf8))
        #expect(!response.keepAlive)
        #expect(try parser.next() == nil)
        #expect(try parser.next() == nil)
    }

    @Test("a body delimited by the connection's end may be empty, and follows a framed response")
    func closeDelimitedAfterFramed() throws {
        let responses = try parseResponses("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n\r\n")
        #expect(responses.map(\.body) == [Array("a".utf8), []])
        #expect(responses.map(\.keepAlive) == [true, false])
    }

    @Test("the end of the connection between responses is no error")
    func cleanEnd() throws {
        #expect(try parseResponses([]) == [])
        #expect(try parseResponses("HTTP/1.1 204 No Content\r\n\r\n").count == 1)
        var parser = HTTPResponseParser()
        parser.finish()
        #expect(try parser.next() == nil)
    }

    @Test("204 and 304 have no body; 304's Content-Length is not its body's")
    func noBodyStatuses() throws {
        let responses = try parseResponses(
            "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
            finish: false
        )
        #expect(responses.map(\.status.code) == [204, 204, 304, 200])
        #expect(responses.map(\.body) == [[], [], [], Array("x".utf8)])
        #expect(responses.map(\.keepAlive) == [true, true, true, true])
    }

    @Test(
        "keep-alive: framed, and HTTP/1.1 unless close or HTTP/1.0 with keep-alive",
        arguments: [
            ("HTTP/1.1", nil, true),
            ("HTTP/1.1", "close", false),
            ("HTTP/1.1", "Keep-Alive, CLOSE", false),
            ("HTTP/1.0", nil, false),
            ("HTTP/1.0", "keep-alive", true),
            ("HTTP/1.0", "keep-alive, close", false),
        ] as [(String, String?, Bool)]
    )
    func keepAlive(version: String, connection: String?, expected: Bool) throws {
        let field = connection.map { "Connection: \($0)\r\n" } ?? ""
        let response = try #require(try parseResponses("\(version) 200 OK\r\n\(field)Content-Length: 0\r\n\r\n").first)
        #expect(response.version == (version == "HTTP/1.0" ? .http10 : .http11))
        #expect(response.keepAlive == expected)
    }

    @Test("a reason phrase may hold spaces and tabs, or be empty")
    func reasonPhrases() throws {
        #expect(try parseResponses("HTTP/1.1 404 Not  \tFound\r\nContent-Length: 0\r\n\r\n").first?.reasonPhrase == "Not  \tFound")
        #expect(try parseResponses("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").first?.reasonPhrase == "")
        #expect(try parseResponses("HTTP/1.1 200 Très bien\r\nContent-Length: 0\r\n\r\n").first?.reasonPhrase == "Très bien")
    }

    @Test("a parsed response serializes to bytes that parse back to it")
    func serializedRoundTrip() throws {
        for response in try parseResponses([Self.sequence]) {
            #expect(try parseResponses([response.serialized()]) == [response])
        }
        let streamed = try #require(try parseResponses("HTTP/1.0 200 OK\r\nX:\t1  2 \r\n\r\nline\n").first)
        #expect(streamed.serialized() == Array("HTTP/1.0 200 OK\r\nX: 1  2\r\n\r\nline\n".utf8))
        #expect(try parseResponses([streamed.serialized()]) == [streamed])
    }

    @Test("a body of exactly the limit is accepted, by Content-Length or to the connection's end")
    func atTheLimits() throws {
        #expect(HTTPResponseParser.defaultMaximumBodyLength == 16 * 1024 * 1024)
        #expect(HTTPResponseParser().maximumBodyLength == HTTPResponseParser.defaultMaximumBodyLength)
        let body = String(repeating: "b", count: 100)
        #expect(try parseResponses("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n\(body)", limit: 100).first?.body.count == 100)
        #expect(try parseResponses("HTTP/1.1 200 OK\r\n\r\n\(body)", limit: 100).first?.body.count == 100)
        let large = [UInt8](repeating: 0x7B, count: 4 * 1024 * 1024)
        let response = HTTPResponse(status: .ok, body: large).serialized()
        #expect(try parseResponses([response]).first?.body == large)
        let fill = String(repeating: "b", count: HTTPResponseParser.maximumHeadLength - "HTTP/1.1 200 OK\r\nX:\r\n\r\n".utf8.count)
        #expect(try parseResponses("HTTP/1.1 200 OK\r\nX:\(fill)\r\n\r\n").count == 1)
    }
}
