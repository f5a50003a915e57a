import Testing
import TokenVaultHTTP

/// Each refusal of the response parser, with the exact error it throws.
@Suite("Refused responses")
struct ResponseRefusalTests {
    @Test(
        "a malformed status line is malformed",
        arguments: [
            "HTTP/1.1 200\r\n",  // no space before the (empty) reason
            "HTTP/1.1  200 OK\r\n",  // two spaces
            " HTTP/1.1 200 OK\r\n",
            "\r\nHTTP/1.1 200 OK\r\n",  // an empty line before the status line
            "HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 099 Low\r\n", "HTTP/1.1 2x0 OK\r\n", "HTTP/1.1 +20 OK\r\n",
            "HTTP/1.1 \u{0662}00 OK\r\n",  // a non-ASCII digit
            "http/1.1 200 OK\r\n", "HTTP/1.1.1 200 OK\r\n", "HTTP/1 200 OK\r\n", "ICY 200 OK\r\n",
            "HTTP/1.1 200 O\u{1}K\r\n", "HTTP/1.1 200 O\u{7F}K\r\n", "HTTP/1.1 200 OK\u{0}\r\n",
        ]
    )
    func malformedStatusLine(_ line: String) {
        #expect(responseRefusal("\(line)Content-Length: 0\r\n\r\n") == .malformed)
    }

    @Test("a reason phrase that is not UTF-8 is malformed")
    func nonUTF8Reason() {
        let bytes = Array("HTTP/1.1 200 O".utf8) + [0xC3, 0x28] + Array("\r\nContent-Length: 0\r\n\r\n".utf8)
        #expect(responseRefusal(bytes) == .malformed)
    }

    @Test("a version other than 1.0 and 1.1 is unsupported", arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9"])
    func unsupportedVersion(_ version: String) {
        #expect(responseRefusal("\(version) 200 OK\r\nContent-Length: 0\r\n\r\n") == .unsupportedVersion)
    }

    @Test("an informational response is refused", arguments: [100, 101, 103, 199])
    func informational(_ code: Int) {
        #expect(responseRefusal("HTTP/1.1 \(code) Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") == .informationalResponse)
    }

    @Test(
        "a malformed header field is malformed",
        arguments: ["Server : v", "Se rver: v", "Server v", ": v", "X(y): 1", "X: a\u{0}b", "X: a\u{1}b", "X: a\u{7F}b", " X: folded"]
    )
    func malformedField(_ field: String) {
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\(field)\r\n\r\n") == .malformed)
    }

    @Test(
        "a bare LF or CR is malformed",
        arguments: [
            "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
            "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nX: 1\r2\r\nContent-Length: 0\r\n\r\n",
        ]
    )
    func bareLineEnding(_ text: String) {
        #expect(responseRefusal(text) == .malformed)
    }

    @Test("Content-Length: digits only, at most once (even with the same value)")
    func contentLengthSyntax() {
        for value in ["", "-1", "+5", "5 5", "0x10", "1,1", "1.0", "\u{0661}"] {
            #expect(responseRefusal("HTTP/1.1 200 OK\r\nContent-Length: \(value)\r\n\r\n") == .malformed, "\(value)")
        }
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na") == .malformed)
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nab") == .malformed)
    }

    @Test("a 204 with a body length is malformed")
    func noContentWithBody() {
        #expect(responseRefusal("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello") == .malformed)
        #expect(responseRefusal("HTTP/1.1 204 No Content\r\nContent-Length: 99999999999999999999\r\n\r\n") == .malformed)
    }

    @Test("Transfer-Encoding (chunked or not) is refused")
    func transferEncoding() {
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n") == .transferEncoding)
        #expect(responseRefusal("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\nContent-Length: 0\r\n\r\n") == .transferEncoding)
    }

    @Test("a Content-Length over the limit is refused before any of the body arrives")
    func bodyTooLargeByLength() throws {
        var parser = HTTPResponseParser(maximumBodyLength: 100)
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n".utf8))
        #expect(throws: HTTPResponseError.bodyTooLarge) { try parser.next() }
        let limit = HTTPResponseParser.defaultMaximumBodyLength
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nContent-Length: \(limit + 1)\r\n\r\n") == .bodyTooLarge)
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n") == .bodyTooLarge)
    }

    @Test("a body delimited by the connection's end is refused as soon as it grows past the limit")
    func bodyTooLargeUntilClose() throws {
        var parser = HTTPResponseParser(maximumBodyLength: 10)
        parser.append(Array("HTTP/1.1 200 OK\r\n\r\n0123456789".utf8))
        #expect(try parser.next() == nil)
        parser.append([0x41])
        #expect(throws: HTTPResponseError.bodyTooLarge) { try parser.next() }
    }

    @Test("a head over 8 KiB is refused, even before its end arrives")
    func headTooLarge() {
        let value = String(repeating: "b", count: HTTPResponseParser.maximumHeadLength)
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nX: \(value)\r\n\r\n") == .headTooLarge)
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nX: \(value)".utf8))
        #expect(throws: HTTPResponseError.headTooLarge) { try parser.next() }
        #expect(responseRefusal("HTTP/1.1 200 \(value)\r\n\r\n") == .headTooLarge)
        let fill = String(repeating: "b", count: HTTPResponseParser.maximumHeadLength - "HTTP/1.1 200 OK\r\nX:\r\n\r\n".utf8.count + 1)
        #expect(responseRefusal("HTTP/1.1 200 OK\r\nX:\(fill)\r\n\r\n") == .headTooLarge)
    }

    @Test(
        "the end of the connection inside a response is truncation",
        arguments: [
            "H", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK\r", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcd",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n",
        ]
    )
    func truncated(_ text: String) throws {
        #expect(responseRefusal(text) == .truncated)
        // Before the end, the parser waits.
        #expect(try parseResponses(text, finish: false).count == (text.hasSuffix("aHTTP/1.1 200 OK\r\n") ? 1 : 0))
    }

    @Test("bytes after a response that closed the connection are malformed")
    func bytesAfterClose() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n".utf8))
        #expect(try parser.next()?.keepAlive == false)
        #expect(throws: HTTPResponseError.malformed) { try parser.next() }
        #expect(responseRefusal("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nab") == .malformed)
        #expect(try parseResponses("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na").count == 1)
    }

    @Test("a refused response stops the parser: the same error every time, even for good bytes after it")
    func failureIsFinal() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/2.0 200 OK\r\n\r\n".utf8))
        #expect(try parser.next()?.status == .ok)
        #expect(throws: HTTPResponseError.unsupportedVersion) { try parser.next() }
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(throws: HTTPResponseError.unsupportedVersion) { try parser.next() }
        parser.finish()
        #expect(throws: HTTPResponseError.unsupportedVersion) { try parser.next() }
    }

    @Test("each error has a description")
    func descriptions() {
        let errors: [HTTPResponseError] = [
            .malformed, .unsupportedVersion, .informationalResponse, .transferEncoding, .headTooLarge, .bodyTooLarge, .truncated,
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(HTTPResponseError.truncated.description == "a response cut short by the end of the connection")
    }
}
