import TokenVaultHTTP

/// Feeds `chunks` to one parser, taking requests out after each chunk.
///
/// - Throws: the parser's ``HTTPError``.
func parseRequests(_ chunks: [[UInt8]]) throws(HTTPError) -> [HTTPRequest] {
    var parser = HTTPRequestParser()
    var requests: [HTTPRequest] = []
    for chunk in chunks {
        parser.append(chunk)
        while let request = try parser.next() {
            requests.append(request)
        }
    }
    return requests
}

/// Parses `text` in one chunk.
func parseRequests(_ text: String) throws(HTTPError) -> [HTTPRequest] {
    try parseRequests([Array(text.utf8)])
}

/// The status code `bytes` is refused with, or nil when the parser accepts (or waits).
func refusal(_ bytes: [UInt8]) -> Int? {
    do {
        _ = try parseRequests([bytes])
        return nil
    } catch {
        return error.status.code
    }
}

/// The status code `text` is refused with, or nil.
func refusal(_ text: String) -> Int? {
    refusal(Array(text.utf8))
}

/// A small seeded generator (SplitMix64), so random chunkings are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    /// The generator's state, advanced by each draw; the initial value is the seed.
    var state: UInt64

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Feeds `chunks` to one response parser, taking responses out after each chunk, then (with
/// `finish`) ends the connection and takes out what is left.
///
/// - Throws: the parser's ``HTTPResponseError``.
func parseResponses(_ chunks: [[UInt8]], finish: Bool = true, limit: Int? = nil) throws(HTTPResponseError) -> [HTTPClientResponse] {
    var parser = limit.map { HTTPResponseParser(maximumBodyLength: $0) } ?? HTTPResponseParser()
    var responses: [HTTPClientResponse] = []
    for chunk in chunks {
        parser.append(chunk)
        while let response = try parser.next() {
            responses.append(response)
        }
    }
    if finish {
        parser.finish()
        while let response = try parser.next() {
            responses.append(response)
        }
    }
    return responses
}

/// Parses `text` in one chunk, then ends the connection.
func parseResponses(_ text: String, finish: Bool = true, limit: Int? = nil) throws(HTTPResponseError) -> [HTTPClientResponse] {
    try parseResponses([Array(text.utf8)], finish: finish, limit: limit)
}

/// The error `text` is refused with (the connection ended after it), or nil when it parses.
func responseRefusal(_ text: String, limit: Int? = nil) -> HTTPResponseError? {
    responseRefusal(Array(text.utf8), limit: limit)
}

/// The error `bytes` are refused with (the connection ended after them), or nil when they parse.
func responseRefusal(_ bytes: [UInt8], limit: Int? = nil) -> HTTPResponseError? {
    do {
        _ = try parseResponses([bytes], limit: limit)
        return nil
    } catch {
        return error
    }
}
