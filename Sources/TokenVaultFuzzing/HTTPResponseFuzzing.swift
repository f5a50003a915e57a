internal import TokenVaultHTTP

/// The `http-response` case of ``FuzzEntry``: the input is fed to an ``HTTPResponseParser`` in
/// two chunks, split at a point derived from the input, then the connection is ended. An
/// input of odd length is parsed with a body limit of 64 bytes, so that limit is reached too.
/// Every response that comes out must respect the limits and its framing and survive a round
/// trip through ``HTTPClientResponse/serialized()``; at the end, the parser has either refused
/// the input or consumed all of it.
enum HTTPResponseFuzzing {
    /// Runs one input. Traps (precondition) when a property fails.
    static func run(_ bytes: [UInt8]) {
        let limit = bytes.count % 2 == 0 ? HTTPResponseParser.defaultMaximumBodyLength : 64
        let split = bytes.reduce(0) { $0 &+ Int($1) } % (bytes.count + 1)
        var parser = HTTPResponseParser(maximumBodyLength: limit)
        parser.append(bytes[..<split])
        guard drain(&parser) else { return }
        parser.append(bytes[split...])
        guard drain(&parser) else { return }
        parser.finish()
        guard drain(&parser) else { return }
        precondition(parser.bufferedByteCount == 0, "bytes left after the end of the connection")
    }

    /// Takes every complete response out of `parser`, checking each.
    ///
    /// - Returns: false once the parser has refused the input.
    private static func drain(_ parser: inout HTTPResponseParser) -> Bool {
        do throws(HTTPResponseError) {
            while let response = try parser.next() {
                check(response, limit: parser.maximumBodyLength)
            }
            return true
        } catch {
            precondition(Result { () throws(HTTPResponseError) in try parser.next() } == .failure(error), "a failed parser recovered")
            return false
        }
    }

    /// The properties of one parsed response: within the limits, framed as its head says, and
    /// equal to itself after serializing and parsing again.
    private static func check(_ response: HTTPClientResponse, limit: Int) {
        precondition(response.status.code >= 200, "an informational response parsed")
        precondition(!response.headers.contains(name: "Transfer-Encoding"), "a response with Transfer-Encoding parsed")
        precondition(response.body.count <= limit, "a body over the limit")
        let contentLength = response.headers.first(name: "Content-Length")
        if response.status.code == 204 || response.status.code == 304 {
            precondition(response.body.isEmpty, "a body in a 204 or 304")
        } else if let contentLength {
            precondition(response.body.count == Int(contentLength), "a body not framed by Content-Length")
        } else {
            precondition(!response.keepAlive, "a body delimited by the end kept the connection alive")
        }
        // The head's shortest encoding: `name:value` fields.
        let statusLine = response.version.text.utf8.count + response.reasonPhrase.utf8.count + 7
        let fields = response.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 3 }
        precondition(statusLine + fields + 2 <= HTTPResponseParser.maximumHeadLength, "a head over the limit")

        let bytes = response.serialized()
        var again = HTTPResponseParser(maximumBodyLength: limit)
        again.append(bytes)
        again.finish()
        let reparsed = Result { () throws(HTTPResponseError) in try again.next() }
        if bytes.count - response.body.count <= HTTPResponseParser.maximumHeadLength {
            precondition(reparsed == .success(response) && again.bufferedByteCount == 0, "a response does not round-trip")
        } else {
            // `serialized()` adds a space after each colon, which can push a head over the limit.
            precondition(reparsed == .failure(.headTooLarge), "a serialized head over the limit parsed")
        }
    }
}
