import Testing
import TokenVaultHTTP

/// Responses as bytes on the wire, and the header list they are built from.
@Suite("Response serialization")
struct ResponseTests {
    @Test("a small response serializes to the exact bytes")
    func exactBytes() {
        let response = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array("hi".utf8))
        let expected = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi"
        #expect(response.serialized() == Array(expected.utf8))
    }

    @Test("an empty response that closes, and a caller's own Content-Length and Connection are replaced")
    func framingFieldsAreTheSerializers() {
        let response = HTTPResponse(
            status: .noContent,
            headers: ["content-length": "99", "X-Id": "7", "CONNECTION": "keep-alive"],
            keepAlive: false
        )
        let expected = "HTTP/1.1 204 No Content\r\nX-Id: 7\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        #expect(response.serialized() == Array(expected.utf8))
    }

    @Test("the response to an error carries its status and closes")
    func errorResponse() {
        let response = HTTPResponse(error: .headerFieldsTooLarge)
        let body = "Request Header Fields Too Large\n"
        let expected =
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        #expect(response.serialized() == Array(expected.utf8))
    }

    @Test("reason phrases come from the table; an unknown code has an empty one")
    func reasonPhrases() {
        #expect(HTTPStatus.notFound.reasonPhrase == "Not Found")
        #expect(HTTPStatus.contentTooLarge.reasonPhrase == "Content Too Large")
        #expect(HTTPStatus(code: 299).reasonPhrase == "")
        #expect(HTTPResponse(status: HTTPStatus(code: 299)).serialized().starts(with: Array("HTTP/1.1 299 \r\n".utf8)))
    }

    @Test("header lookup ignores case and keeps order")
    func headerLookup() {
        var headers: HTTPHeaders = ["A": "1", "b": "2"]
        headers.add(name: "a", value: "3")
        #expect(headers.first(name: "a") == "1")
        #expect(headers.values(name: "A") == ["1", "3"])
        #expect(headers.contains(name: "B") && !headers.contains(name: "c"))
        headers.remove(name: "A")
        #expect(headers.map(\.name) == ["b"])
    }
}
