import TokenVault
internal import TokenVaultSystem

/// A JSON value, rendered by hand (the CLI does not load Foundation: it starts in a few ms).
///
/// ```swift
/// JSON.object([("name", .string("erp")), ("version", .int(2))]).rendered()  // {"name":"erp","version":2}
/// ```
enum JSON {
    /// A string, escaped as JSON requires (and control characters as `\uXXXX`).
    case string(String)
    /// A whole number.
    case int(Int64)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array, in order.
    case array([JSON])
    /// An object, its keys in the order given.
    case object([(String, JSON)])

    /// A string, or `null` when absent.
    static func optional(_ text: String?) -> JSON { text.map(JSON.string) ?? .null }
    /// An ISO 8601 UTC time, or `null` when absent.
    static func time(_ time: UnixTime?) -> JSON { time.map { .string(TimeFormat.iso8601($0)) } ?? .null }
    /// A whole number, or `null` when absent.
    static func int(_ value: Int?) -> JSON { value.map { .int(Int64($0)) } ?? .null }

    /// The value as compact JSON text, on one line.
    func rendered() -> String {
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
