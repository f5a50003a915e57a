import Testing
import TokenVaultJSON

/// What the parser accepts, after JSONTestSuite's `y_` cases (those without fractions or
/// exponents), and the values it builds.
@Suite("Accepted JSON")
struct AcceptanceTests {
    @Test(
        "JSONTestSuite y_ cases parse",
        arguments: [
            "[[]   ]", "[]", "[\"\"]", "[false]", "[null, 1, \"1\", {}]", "[null]", " [1]", "[1,null,null,null,2]", "[2] ", "[-0]", "[-123]",
            "[123]", "[1\n]", "{\"asd\":\"sdf\"}", "{}", "{\"\":0}", "{\"foo\\u0000bar\": 42}", "{\"a\":[]}", "{\"title\":\"\\u041f\"}",
            "{\n\"a\": \"b\"\n}", "[\"\\u0060\\u012a\\u12AB\"]", "[\"\\uD801\\udc37\"]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
            "[\"\\\\u0000\"]", "[\"a/*b*/c/*d//e\"]", "[\"\\u0012\"]", " [\"a\"]", "[\"\\uDBFF\\uDFFF\"]", "[\"\u{FFFF}\"]",
            "[\"\\u0000\"]", "[\"\\uDBFF\\uDFFE\"]", "[\"€𝄞\"]", "[\"a\u{7F}a\"]", "[\"\u{2028}\u{2029}\"]", "false", "42", "-1", "null",
            "\"asd\"", "true", "[\"a\"]\n", "[true]", " [] ", "\r\n\t {\r\n\t \"a\"\r\n\t :\r\n\t 1\r\n\t }\r\n\t ",
        ]
    )
    func yCases(_ text: String) {
        #expect(refusal(text) == nil)
    }

    @Test("values are built as written")
    func values() throws {
        let value = try JSON.parse(#" {"name" : "erp", "n": [1, -2, 0, -0], "ok": true, "no": false, "none": null, "o": {}} "#.utf8)
        let expected: JSON = ["name": "erp", "n": [1, -2, 0, 0], "ok": true, "no": false, "none": .null, "o": .object([])]
        #expect(value == expected)
    }

    @Test("escapes decode; a surrogate pair becomes one scalar")
    func escapes() throws {
        #expect(try JSON.parse(#""\"\\\/\b\f\n\r\t""#.utf8) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try JSON.parse(#""\u00e9\u00E9\u0000\uFFFF""#.utf8) == .string("\u{E9}\u{E9}\u{0}\u{FFFF}"))
        #expect(try JSON.parse(#""\uD834\uDD1E""#.utf8) == .string("𝄞"))
        #expect(try JSON.parse(#""\uDBFF\uDFFF""#.utf8) == .string("\u{10FFFF}"))
        #expect(try JSON.parse(#""a\uD800\uDC00b""#.utf8) == .string("a\u{10000}b"))
        #expect(try JSON.parse("\"\u{1F600}\"".utf8) == .string("\u{1F600}"))
    }

    @Test("strings keep their scalars: no normalization")
    func noNormalization() throws {
        let decomposed = try JSON.parse("\"e\u{301}\"".utf8)
        #expect(decomposed.stringValue.map { Array($0.unicodeScalars) } == ["e", "\u{301}"])
        #expect(decomposed != .string("\u{E9}"))  // canonically equivalent, different scalars
    }

    @Test("integers at the bounds of Int64 parse; one past them does not")
    func int64Bounds() {
        #expect(parsed("9223372036854775807") == .int(.max))
        #expect(parsed("-9223372036854775808") == .int(.min))
        #expect(parsed("[9223372036854775807,-9223372036854775808]") == [.int(.max), .int(.min)])
        for text in [
            "9223372036854775808", "-9223372036854775809", "18446744073709551616", "100000000000000000000", "-123123123123123123123123123123",
        ] {
            #expect(refusal(text) == JSONError("an integer outside the 64-bit range", offset: 0), "\(text)")
        }
        #expect(refusal("[1, 9223372036854775808]") == JSONError("an integer outside the 64-bit range", offset: 4))
    }

    @Test("32 levels of nesting parse; 33 do not")
    func depthLimit() {
        #expect(JSON.maximumDepth == 32)
        let arrays = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(refusal(arrays) == nil)
        let objects = String(repeating: "{\"a\":", count: 31) + "[]" + String(repeating: "}", count: 31)
        #expect(refusal(objects) == nil)
        let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(refusal(tooDeep) == JSONError("arrays and objects nested more than 32 deep", offset: 32))
        let mixed = String(repeating: "[{\"a\":", count: 17) + "1" + String(repeating: "}]", count: 17)
        #expect(refusal(mixed)?.offset == 6 * 16)
        // Far deeper input is refused at the limit, without recursing further.
        #expect(refusal(String(repeating: "[", count: 100_000))?.offset == 32)
    }

    @Test("the same key in different objects is not a repetition")
    func sameKeyElsewhere() {
        #expect(refusal(#"[{"a":1},{"a":2}]"#) == nil)
        #expect(refusal(#"{"a":{"a":{"a":1}},"b":{"a":2}}"#) == nil)
        #expect(refusal(#"{"a":1,"A":2,"a ":3}"#) == nil)
    }

    @Test("accessors return the value of their kind, nil for any other")
    func accessors() throws {
        let value = try JSON.parse(#"{"s":"x","i":7,"b":true,"n":null,"a":[1,2],"o":{"k":"v"}}"#.utf8)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.int64Value == 7)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?.arrayValue == [1, 2])
        #expect(value["a"]?[1] == 2)
        #expect(value["a"]?[2] == nil)
        #expect(value["o"]?["k"] == "v")
        #expect(value["o"]?.objectFields?.map(\.0) == ["k"])
        #expect(value["missing"] == nil)
        #expect(value["s"]?.int64Value == nil && value["i"]?.stringValue == nil && value["n"]?.boolValue == nil)
        #expect(value["s"]?["k"] == nil && value[0] == nil && value.arrayValue == nil && value["a"]?.objectFields == nil)
        #expect(value.objectFields?.map { $0.1.kindDescription } == ["a string", "an integer", "a boolean", "null", "an array", "an object"])
    }

    @Test("any collection of bytes parses")
    func collections() throws {
        let text = #"{"a":[1]}"#
        #expect(try JSON.parse(text.utf8) == JSON.parse(Array(text.utf8)))
        #expect(try JSON.parse(Array(" \(text) ".utf8).dropFirst().dropLast()) == ["a": [1]])
    }
}
