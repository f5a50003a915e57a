import Testing
import TokenVaultJSON

/// The renderer's exact output: the CLI's `--json` output depends on it byte for byte.
@Suite("Rendering")
struct RenderingTests {
    @Test("every kind renders compactly, keys in order")
    func kinds() {
        let value: JSON = .object([
            ("name", .string("erp")), ("version", .int(2)), ("legacy", .bool(false)), ("note", .null),
            ("tags", .array([.string("a"), .int(-9_223_372_036_854_775_808)])), ("empty", .object([])), ("none", .array([])),
        ])
        let expected = #"{"name":"erp","version":2,"legacy":false,"note":null,"tags":["a",-9223372036854775808],"empty":{},"none":[]}"#
        #expect(value.rendered() == expected)
        #expect(value.description == expected)
    }

    @Test("literals build the same values as the cases")
    func literals() {
        let literal: JSON = ["name": "erp", "version": 2, "legacy": true, "tags": ["a", 1]]
        let cases: JSON = .object([
            ("name", .string("erp")), ("version", .int(2)), ("legacy", .bool(true)), ("tags", .array([.string("a"), .int(1)])),
        ])
        #expect(literal == cases)
    }

    @Test("quotes, backslashes and the usual controls get short escapes; '/' and plain Unicode stay")
    func shortEscapes() {
        #expect(JSON.string("a\"b\\c\nd\re\tf/g é 𝄞 €").rendered() == #""a\"b\\c\nd\re\tf/g é 𝄞 €""#)
    }

    @Test("every scalar DisplayText will not show is a lowercase \\u escape")
    func unsafeScalars() {
        let unsafe = "\u{0}\u{8}\u{C}\u{1B}\u{1F}\u{7F}\u{85}\u{9F}\u{61C}\u{200E}\u{200F}\u{202A}\u{202E}\u{2066}\u{2069}\u{2028}\u{2029}"
        let expected =
            #""\u0000\u0008\u000c\u001b\u001f\u007f\u0085\u009f\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029""#
        #expect(JSON.string(unsafe).rendered() == expected)
        // Their neighbours are not escaped.
        #expect(JSON.string("\u{A0}\u{200D}\u{2030}\u{206A}").rendered() == "\"\u{A0}\u{200D}\u{2030}\u{206A}\"")
    }

    @Test("keys are escaped like strings")
    func keys() {
        #expect(JSON.object([("a\"\u{202E}", .null)]).rendered() == #"{"a\"\u202e":null}"#)
    }
}
