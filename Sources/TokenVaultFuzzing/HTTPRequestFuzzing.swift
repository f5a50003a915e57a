internal import TokenVaultHTTP

/// The `http-request` case of ``FuzzEntry``: the input is fed to an ``HTTPRequestParser`` in
/// two chunks, split at a point derived from the input, and every request that comes out
/// must respect the limits and survive a round trip through ``HTTPRequest/serialized()``.
enum HTTPRequestFuzzing {
    /// Runs one input. Traps (precondition) when a property fails.
    static func run(_ bytes: [UInt8]) {
        let split = bytes.reduce(0) { $0 &+ Int($1) } % (bytes.count + 1)
        var parser = HTTPRequestParser()
        parser.append(bytes[..<split])
        guard drain(&parser) else { return }
        parser.append(bytes[split...])
        _ = drain(&parser)
    }

    /// Takes every complete request out of `parser`, checking each.
    ///
    /// - Returns: false once the parser has refused the input.
    private static func drain(_ parser: inout HTTPRequestParser) -> Bool {
        do throws(HTTPError) {
            while let request = try parser.next() {
                check(request)
            }
            precondition(parser.bufferedByteCount < HTTPRequestParser.maximumRequestLength, "the parser waits on a full buffer")
            return true
        } catch {
            precondition(Result { () throws(HTTPError) in try parser.next() } == .failure(error), "a failed parser recovered")
            return false
        }
    }

    /// The properties of one parsed request: within the limits, framed by its
    /// `Content-Length`, and equal to itself after serializing and parsing again.
    private static func check(_ request: HTTPRequest) {
        precondition(request.target.hasPrefix("/") && request.path.hasPrefix("/"), "a target not in origin form")
        precondition(request.body.count <= HTTPRequestParser.maximumBodyLength, "a body over the limit")
        precondition(request.body.count == Int(request.headers.first(name: "Content-Length") ?? "0"), "a body not framed by Content-Length")
        // The head's shortest encoding: `name:value` fields.
        let requestLine = request.method.utf8.count + request.target.utf8.count + request.version.text.utf8.count + 4
        let fields = request.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 3 }
        precondition(requestLine + fields + 2 <= HTTPRequestParser.maximumHeadLength, "a head over the limit")

        let bytes = request.serialized()
        var again = HTTPRequestParser()
        again.append(bytes)
        let reparsed = Result { () throws(HTTPError) in try again.next() }
        if bytes.count - request.body.count <= HTTPRequestParser.maximumHeadLength {
            precondition(reparsed == .success(request) && again.bufferedByteCount == 0, "a request does not round-trip")
        } else {
            // `serialized()` adds a space after each colon, which can push a head over the limit.
            precondition(reparsed == .failure(.headerFieldsTooLarge), "a serialized head over the limit parsed")
        }
    }
}
