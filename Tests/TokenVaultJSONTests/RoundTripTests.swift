import Testing
import TokenVaultJSON

/// Rendered values parse back equal, and parsed text renders to the same canonical text.
@Suite("Round trips")
struct RoundTripTests {
    @Test("random values render, parse back equal, and render the same again", arguments: 0..<8)
    func randomValues(_ seed: UInt64) throws {
        var random = RandomJSON(generator: SeededGenerator(state: seed))
        for _ in 0..<250 {
            let value = random.value(depth: 4)
            let text = value.rendered()
            let parsed = try JSON.parse(text.utf8)
            #expect(parsed == value, "\(text)")
            #expect(parsed.rendered() == text)
        }
    }

    @Test("strings of every kind of scalar survive, escaped or not")
    func allScalarKinds() throws {
        // Every scalar up to U+FFFF but the surrogates, then astral ones, in chunks.
        let scalars = (0...0xFFFF).compactMap(Unicode.Scalar.init) + [0x1_0000, 0x1_F600, 0x10_FFFF].compactMap(Unicode.Scalar.init)
        for chunk in stride(from: 0, to: scalars.count, by: 4096) {
            let text = String(String.UnicodeScalarView(scalars[chunk..<min(chunk + 4096, scalars.count)]))
            let value: JSON = [text: .string(text)]
            #expect(try JSON.parse(value.rendered().utf8) == value)
        }
    }

    @Test("the escaped and the raw spelling of a string parse to the same value, which renders one way")
    func canonicalText() throws {
        let escaped = try JSON.parse(#"["\u0041\u00e9\u20ac\ud834\udd1e\/\u001B\u202E"]"#.utf8)
        let raw = try JSON.parse("[\"Aé€𝄞/\\u001b\u{202E}\"]".utf8)
        #expect(escaped == raw)
        #expect(escaped.rendered() == "[\"Aé€𝄞/\\u001b\\u202e\"]")
    }

    @Test("whitespace and -0 do not survive rendering, the value does")
    func canonicalForm() throws {
        let value = try JSON.parse(" { \"a\" : [ -0 , 1 ] , \"b\" : { } } ".utf8)
        #expect(value.rendered() == #"{"a":[0,1],"b":{}}"#)
        #expect(try JSON.parse(value.rendered().utf8) == value)
    }

    @Test("objects keep their key order; order matters for equality")
    func keyOrder() throws {
        let value = try JSON.parse(#"{"z":1,"a":2,"m":3}"#.utf8)
        #expect(value.objectFields?.map(\.0) == ["z", "a", "m"])
        #expect(value.rendered() == #"{"z":1,"a":2,"m":3}"#)
        #expect(value != ["a": 2, "m": 3, "z": 1])
    }

    @Test("a body of 64 KiB parses")
    func largeBody() throws {
        let items = (0..<6_000).map { JSON.object([("id", .int(Int64($0))), ("n", .string("cred-\($0)"))]) }
        let text = JSON.array(items).rendered()
        #expect(text.utf8.count > 65_536 * 2)
        #expect(try JSON.parse(text.utf8) == .array(items))
    }
}
