internal import TokenVaultSystem

extension JSON {
    /// The value as compact JSON text, on one line.
    ///
    /// ```swift
    /// JSON.object([("name", .string("erp")), ("version", .int(2))]).rendered()  // {"name":"erp","version":2}
    /// ```
    ///
    /// Strings escape `"`, `\`, and as `\n`, `\r`, `\t` or `\uXXXX` (lowercase hexadecimal)
    /// every scalar `DisplayText` will not show raw: control characters (C0, DEL, C1),
    /// bidirectional controls and the line and paragraph separators. `/` is not escaped.
    ///
    /// Security: the text never holds a raw control or bidirectional character, so printing it
    /// to a terminal, or a log line, cannot rewrite what is shown. The output parses back to an
    /// equal value (``parse(_:)``), provided the value nests at most ``maximumDepth`` deep.
    public func rendered() -> String {
        var out = ""
        render(into: &out)
        return out
    }

    private func render(into out: inout String) {
        switch self {
        case .string(let text): JSON.escape(text, into: &out)
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                JSON.escape(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    private static func escape(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where DisplayText.isUnsafe(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSON {
    /// A key as error messages name it: control and bidirectional characters replaced by `?`,
    /// cut to 40 characters. Keys come from the input; their values are never quoted.
    static func displayName(_ key: String) -> String {
        DisplayText.clean(key, limit: 40)
    }
}
