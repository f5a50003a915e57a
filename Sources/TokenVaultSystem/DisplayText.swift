/// Stored text made safe to show: the one sanitiser for every place that prints a name, a
/// grant, a description, an actor or a reason, to a terminal, a table or a CSV file.
///
/// ```swift
/// print("valid: '\(DisplayText.clean(credential.name))'")
/// ```
///
/// Security: stored text comes from whoever added a credential or wrote an audit event, and
/// from whoever can write the vault file. Shown raw, a control character (an escape sequence)
/// could rewrite the terminal, and a bidirectional override (U+202A–U+202E, U+2066–U+2069, the
/// marks U+200E, U+200F, U+061C) could make `erp-prod‮dorp` read as another name. Each of these,
/// and the line and paragraph separators, becomes `?`.
public enum DisplayText {
    /// `text` with every control character, bidirectional control and line separator replaced by `?`.
    public static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { isUnsafe($0) ? "?" : $0 }))
    }

    /// ``clean(_:)``, cut to `limit` characters (with `…`): for echoing input in one-line errors.
    public static func clean(_ text: String, limit: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > limit else { return clean(text) }
        return clean(String(String.UnicodeScalarView(scalars.prefix(limit)))) + "…"
    }

    /// Whether `scalar` may not be shown as it is (JSON output escapes it as `\\uXXXX` instead).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true  // C0 and C1 controls, DEL
        case 0x200E, 0x200F, 0x061C: return true  // directional marks
        case 0x202A...0x202E, 0x2066...0x2069: return true  // embeddings, overrides, isolates
        case 0x2028, 0x2029: return true  // line and paragraph separators
        default: return false
        }
    }
}
