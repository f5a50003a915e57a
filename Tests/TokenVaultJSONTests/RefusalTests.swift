import Testing
import TokenVaultJSON

/// What the parser refuses, after JSONTestSuite's `n_` cases, its `i_` cases (all refused),
/// and the refusals chosen for a wire format: numbers that are not integers, repeated keys.
@Suite("Refused JSON")
struct RefusalTests {
    @Test(
        "JSONTestSuite n_ cases are refused",
        arguments: [
            "[1 true]", "[\"x\"]]", "[\"\",]", "[1,,2]", "[\"x\"", "[,]", "[   , \"\"]", "[1,]", "[\"\": 1]", "[fals]", "[nul]", "[tru]",
            "[++1234]", "[+1]", "[-01]", "[.-1]", "[013]", "[0x1]", "[Inf]", "[NaN]", "[-foo]", "[-012]", "[-]", "[- 1]", "[\"x\", truth]",
            "{\"x\", null}", "{\"x\"::\"b\"}", "{\"a\" b}", "{:\"b\"}", "{\"a\":", "{1:1}", "{'a':0}", "{\"id\":0,}", "{a: \"b\"}",
            "{\"a\":\"b\"}/**/", "{\"a\":\"b\"}#", "[\"\\uD800\\\"]", "[\"\\uD800\\u\"]", "[\"\\x00\"]", "[\"\\\\\\\"]", "[\"\\u00A\"]",
            "['single quote']", "[\"\t\"]", "[\"new\nline\"]", "[\"a\u{0}a\"]", "[\"\u{1F}\"]", "[][]", "]", "", " ", "[\u{0}]", "[\u{C}]",
            "[\u{2060}]", "[", "{", "{\"asd\":\"asd\"", "[\"\\uqqqq\"]", "[\"\\a\"]", "[\"\\U0041\"]", "nulll", "True", "[1]x",
            "{\"a\":1}}", "\"", "\"abc", "[\"a\\", "1 2", "[1.0]", "[0.1]", "[1e5]", "[1E5]", "[-1e-5]", "[0e1]", "[1.]", "[.5]",
        ]
    )
    func nCases(_ text: String) {
        #expect(refusal(text) != nil)
    }

    @Test(
        "bytes that are not UTF-8 are refused in and outside strings",
        arguments: [
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/', two bytes
            [0x22, 0xC1, 0xBF, 0x22],  // overlong, two bytes
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong, three bytes
            [0x22, 0xE0, 0x9F, 0xBF, 0x22],  // overlong U+07FF
            [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22],  // overlong, four bytes
            [0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22],  // overlong U+FFFF
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // U+D800 encoded in UTF-8
            [0x22, 0xED, 0xBF, 0xBF, 0x22],  // U+DFFF encoded in UTF-8
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // U+110000
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],
            [0x22, 0xFF, 0x22], [0x22, 0xFE, 0x22], [0x22, 0x81, 0x22],  // a lone continuation byte
            [0x22, 0xE0, 0xFF, 0x22],  // truncated
            [0x22, 0xE6, 0x97, 0x22],  // truncated before the quote
            [0x22, 0xC3],  // truncated at the end
            [0x5B, 0xC3, 0xA9, 0x5D],  // valid UTF-8, outside a string
            [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],  // a byte order mark
            [0xEF, 0xBB, 0xBF],
            [0xFE, 0xFF, 0x00, 0x5B, 0x00, 0x5D],  // UTF-16BE with its BOM
            [0x5B, 0x00, 0x5D, 0x00],  // UTF-16LE without a BOM
        ] as [[UInt8]]
    )
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(refusal(bytes) != nil)
    }

    @Test("each refusal names its reason and the offset of the byte refused")
    func messagesAndOffsets() {
        let cases: [(String, String, Int)] = [
            ("", "expected a value, found the end of the text", 0),
            ("[1,]", "expected a value", 3),
            ("{\"a\":1,}", "expected a string key", 7),
            ("{\"a\" 1}", "expected ':' after a key", 5),
            ("[1 2]", "expected ',' or ']'", 3),
            ("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7),
            ("[1", "an array not closed before the end of the text", 2),
            ("{\"a\":1", "an object not closed before the end of the text", 6),
            ("{", "an object not closed before the end of the text", 1),
            ("\"ab", "a string not closed before the end of the text", 3),
            ("1 x", "text after the value", 2),
            ("[01]", "a number with a leading zero", 1),
            ("-01", "a number with a leading zero", 1),
            ("[-]", "a '-' without digits", 2),
            ("[1.5]", "a number with a fraction or an exponent (only integers are accepted)", 2),
            ("[10e3]", "a number with a fraction or an exponent (only integers are accepted)", 3),
            ("\"a\u{1}\"", "a control character in a string (it must be escaped)", 2),
            ("\"a\\x\"", "an unknown escape in a string", 2),
            ("\"\\u12G4\"", "a \\u escape without four hexadecimal digits", 1),
            ("\"\\u12", "a \\u escape without four hexadecimal digits", 1),
            ("\"x\\uD800\"", "a lone surrogate in a \\u escape", 2),
            ("\"x\\uD800\\n\"", "a lone surrogate in a \\u escape", 2),
            ("\"x\\uD800\\uD800\"", "a lone surrogate in a \\u escape", 2),
            ("\"x\\uD800\\u0041\"", "a lone surrogate in a \\u escape", 2),
            ("\"x\\uDC00\\uD800\"", "a lone surrogate in a \\u escape", 2),
            ("\"\\uD800\\uDG00\"", "a \\u escape without four hexadecimal digits", 7),
            ("{\"a\":1,\"b\":2,\"a\":3}", "a repeated key 'a'", 13),
        ]
        for (text, message, offset) in cases {
            #expect(refusal(text) == JSONError(message, offset: offset), "\(text)")
        }
        #expect(refusal([0xEF, 0xBB, 0xBF, 0x31]) == JSONError("a byte order mark (JSON text has none)", offset: 0))
        #expect(refusal([0x22, 0x61, 0xC0, 0xAF, 0x22]) == JSONError("bytes that are not UTF-8", offset: 2))
        #expect(refusal([0x22, 0x61, 0xC3]) == JSONError("bytes that are not UTF-8", offset: 2))
    }

    @Test("a repeated key is refused, also when canonically equivalent or nested")
    func repeatedKeys() {
        #expect(refusal(#"{"a":1,"a":1}"#) == JSONError("a repeated key 'a'", offset: 7))
        #expect(refusal(#"{"a":1,"\u0061":2}"#)?.message == "a repeated key 'a'")  // the same key, escaped
        #expect(refusal("{\"\u{E9}\":1,\"e\u{301}\":2}")?.offset == 8)  // canonically equivalent
        #expect(refusal(#"{"\u00e9":1,"e\u0301":2}"#) != nil)
        #expect(refusal(#"[{"x":{"a":null,"a":null}}]"#)?.offset == 16)
    }

    @Test("a repeated key is named cleaned and cut, never with its value")
    func repeatedKeyName() {
        let error = refusal("{\"\\u001b[2J\\u202e\":\"secret-1\",\"\\u001b[2J\\u202e\":\"secret-2\"}")
        #expect(error?.message == "a repeated key '?[2J?'")
        let long = String(repeating: "k", count: 100)
        #expect(refusal("{\"\(long)\":1,\"\(long)\":2}")?.message == "a repeated key '\(String(repeating: "k", count: 40))…'")
    }

    @Test("errors print their offset; decoding errors have none")
    func descriptions() {
        #expect(JSONError("expected a value", offset: 3).description == "expected a value (at byte 3)")
        #expect(JSONError("missing field 'name'").description == "missing field 'name'")
    }
}
