internal import TokenVaultJSON

/// The `json` case of ``FuzzEntry``: the input is parsed as JSON text. A refusal must point
/// inside the input; an accepted value must come from UTF-8 text, nest within the limit, have
/// no repeated key, be found by its keys, and survive a round trip: rendered, it parses back
/// equal and renders to the same text (rendering is canonical).
enum JSONFuzzing {
    /// Runs one input. Traps (precondition) when a property fails.
    static func run(_ bytes: [UInt8]) {
        let value: JSON
        do throws(JSONError) {
            value = try JSON.parse(bytes)
        } catch {
            precondition(error.offset.map { (0...bytes.count).contains($0) } == true, "an error offset outside the input")
            return
        }
        precondition(String(validating: bytes, as: UTF8.self) != nil, "bytes that are not UTF-8 parsed")
        check(value, depth: 0)

        let text = value.rendered()
        precondition(!text.utf8.contains { $0 < 0x20 }, "a raw control character in rendered text")
        let again = Result { () throws(JSONError) in try JSON.parse(text.utf8) }
        precondition(again == .success(value), "a value does not round-trip")
        precondition((try? again.get().rendered()) == text, "rendering is not canonical")
    }

    /// The properties of one parsed value and everything inside it.
    private static func check(_ value: JSON, depth: Int) {
        switch value {
        case .array(let items):
            precondition(depth < JSON.maximumDepth, "nesting over the limit parsed")
            for (index, item) in items.enumerated() {
                precondition(value[index] == item, "an element not found at its index")
                check(item, depth: depth + 1)
            }
        case .object(let fields):
            precondition(depth < JSON.maximumDepth, "nesting over the limit parsed")
            precondition(Set(fields.map(\.0)).count == fields.count, "a repeated key parsed")
            var reader = try! JSONObjectReader(value)
            for (key, item) in fields {
                precondition(value[key] == item, "a field not found by its key")
                precondition((try? reader.value(key)) == item, "the reader did not find a field")
                check(item, depth: depth + 1)
            }
            precondition((try? reader.refuseUnknownFields()) != nil, "a field read is still unknown")
        case .string, .int, .bool, .null: break
        }
    }
}
