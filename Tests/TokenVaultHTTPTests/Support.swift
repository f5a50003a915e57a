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
