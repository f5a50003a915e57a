import Testing
import TokenVaultHTTP

/// Each refusal of the parser, with the exact status it maps to.
@Suite("Refused requests and their status")
struct RefusalTests {
    @Test(
        "a malformed request line is 400",
        arguments: [
            "G@T / HTTP/1.1\r\nHost: v\r\n\r\n",  // a method with a non-token byte
            "GET  / HTTP/1.1\r\nHost: v\r\n\r\n",  // two spaces
            "GET / HTTP/1.1 \r\nHost: v\r\n\r\n",  // a trailing space
            "GET /\r\nHost: v\r\n\r\n",  // no version (HTTP/0.9)
            " GET / HTTP/1.1\r\nHost: v\r\n\r\n",
            "\r\nGET / HTTP/1.1\r\nHost: v\r\n\r\n",  // an empty line before the request line
            "\r\n\r\n",
            "GET / http/1.1\r\nHost: v\r\n\r\n",
            "GET / HTTP/1.1.1\r\nHost: v\r\n\r\n",
            "GET / HTTP/1\r\nHost: v\r\n\r\n",
        ]
    )
    func malformedRequestLine(_ text: String) {
        #expect(refusal(text) == 400)
    }

    @Test(
        "a target not in origin form, or with a forbidden or malformed byte, is 400",
        arguments: [
            "http://vault/v1", "*", "v1", "/a b", "/a#frag", "/a?q#frag", "/a%2", "/a%zz", "/a?x=%4", "/a?x=%G1", "/%00", "/a?x=%0A",
            "/%FF", "/a/../b", "/a/./b", "/%2E%2E/b", "/a\"b", "/a<b>", "/a{b}", "/a|b", "/a\\b", "/caf\u{E9}",
        ]
    )
    func badTarget(_ target: String) {
        #expect(refusal("GET \(target) HTTP/1.1\r\nHost: v\r\n\r\n") == 400)
    }

    @Test("a version other than 1.0 and 1.1 is 505", arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"])
    func unsupportedVersion(_ version: String) {
        #expect(refusal("GET / \(version)\r\nHost: v\r\n\r\n") == 505)
    }

    @Test(
        "a bare LF or CR is 400",
        arguments: [
            "GET / HTTP/1.1\nHost: v\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: v\n\r\n",
            "GET / HTTP/1.1\r\nHost: v\r\n\n",
            "GET / HTTP/1.1\rHost: v\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: v\rX: 1\r\n\r\n",
            "\nGET / HTTP/1.1\r\nHost: v\r\n\r\n",
        ]
    )
    func bareLineEnding(_ text: String) {
        #expect(refusal(text) == 400)
    }

    @Test(
        "a malformed header field is 400",
        arguments: [
            "Host : v",  // whitespace before the colon
            "Ho st: v",
            "Host v",  // no colon
            ": v",  // no name
            "X(y): 1",  // a non-token byte in the name
            "X: a\u{0}b",  // NUL
            "X: a\u{1}b",  // another control
            "X: a\u{7F}b",
        ]
    )
    func malformedField(_ field: String) {
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\n\(field)\r\n\r\n") == 400)
    }

    @Test("a value that is not UTF-8 is 400")
    func nonUTF8Value() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: v\r\nX: ".utf8) + [0xC3, 0x28] + Array("\r\n\r\n".utf8)
        #expect(refusal(bytes) == 400)
    }

    @Test("an obsolete folded line is 400")
    func obsFold() {
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\nX: a\r\n  b\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\nX: a\r\n\tb\r\n\r\n") == 400)
    }

    @Test("HTTP/1.1 without Host, or with two, is 400; HTTP/1.0 with two is 400")
    func host() {
        #expect(refusal("GET / HTTP/1.1\r\nX: 1\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == 400)
    }

    @Test("Content-Length: digits only, at most once (even with the same value)")
    func contentLengthSyntax() {
        for value in ["", "-1", "+5", "5 5", "0x10", "1,1", "1.0", "\u{0661}"] {
            #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: \(value)\r\n\r\n") == 400, "\(value)")
        }
        #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na") == 400)
    }

    @Test("a Content-Length over 64 KiB is 413, before any of the body arrives")
    func contentTooLarge() {
        let limit = HTTPRequestParser.maximumBodyLength
        #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: \(limit + 1)\r\n\r\n") == 413)
        #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 99999999999999999999999999\r\n\r\n") == 413)
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\nContent-Length: 70000\r\n\r\n") == 413)
    }

    @Test("Transfer-Encoding (chunked or not) is 411")
    func transferEncoding() {
        #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 411)
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\ntransfer-encoding: gzip\r\n\r\n") == 411)
        #expect(refusal("POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") == 411)
    }

    @Test("a POST or PUT without Content-Length is 411", arguments: ["POST", "PUT"])
    func lengthRequired(_ method: String) {
        #expect(refusal("\(method) / HTTP/1.1\r\nHost: v\r\n\r\nbody") == 411)
        #expect(refusal("\(method) / HTTP/1.0\r\n\r\n") == 411)
    }

    @Test("a request line over 4 KiB is 414, even before its end arrives")
    func requestLineTooLong() {
        let path = String(repeating: "a", count: HTTPRequestParser.maximumRequestLineLength)
        #expect(refusal("GET /\(path) HTTP/1.1\r\nHost: v\r\n\r\n") == 414)
        #expect(refusal("GET /\(path)") == 414)
    }

    @Test("a head over 8 KiB is 431, even before its end arrives")
    func headTooLarge() {
        let value = String(repeating: "b", count: HTTPRequestParser.maximumHeadLength)
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\nX: \(value)\r\n\r\n") == 431)
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\nX: \(value)") == 431)
        let many = String(repeating: "X: 1\r\n", count: HTTPRequestParser.maximumHeadLength / 6)
        #expect(refusal("GET / HTTP/1.1\r\nHost: v\r\n\(many)\r\n") == 431)
    }

    @Test("a head one byte over the limit is 431")
    func headOneOver() {
        let line = "GET / HTTP/1.1\r\nHost: v\r\n"
        let fill = String(repeating: "b", count: HTTPRequestParser.maximumHeadLength - line.utf8.count - "X:\r\n\r\n".utf8.count + 1)
        #expect(refusal("\(line)X:\(fill)\r\n\r\n") == 431)
    }

    @Test("a refused request stops the parser: the same error every time, even for good bytes after it")
    func failureIsFinal() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: v\r\n\r\nGET / HTTP/2.0\r\n\r\n".utf8))
        #expect(try parser.next()?.target == "/")
        #expect(throws: HTTPError.httpVersionNotSupported) { try parser.next() }
        parser.append(Array("GET / HTTP/1.1\r\nHost: v\r\n\r\n".utf8))
        #expect(throws: HTTPError.httpVersionNotSupported) { try parser.next() }
    }

    @Test("each error maps to its status")
    func errorStatuses() {
        let statuses: [HTTPError: Int] = [
            .badRequest: 400, .requestTimeout: 408, .lengthRequired: 411, .contentTooLarge: 413, .uriTooLong: 414,
            .headerFieldsTooLarge: 431, .httpVersionNotSupported: 505,
        ]
        for (error, code) in statuses {
            #expect(error.status.code == code)
        }
    }
}
