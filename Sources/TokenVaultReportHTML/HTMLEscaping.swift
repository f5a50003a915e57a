/// Escaping of stored text for HTML and inline SVG.
///
/// ```swift
/// "<td>" + HTMLEscaping.escaped(credential.name) + "</td>"
/// "<title>" + HTMLEscaping.escaped(issuer) + "</title>"
/// ```
///
/// Security: every string the vault stores (names, issuers, grants, descriptions, actors,
/// test details) may hold `<`, `>`, `&`, `"` and `'`. One escaping serves text, quoted
/// attribute values and SVG text alike, so that no caller has to pick the right one: the five
/// characters become character references, and control characters (which HTML forbids, and
/// which could hide text) become U+FFFD. Never put an escaped value in an unquoted attribute,
/// a `<style>` or a URL.
package enum HTMLEscaping {
    /// `text` with `&`, `<`, `>`, `"` and `'` as character references and control characters
    /// (C0 but tab and newline, DEL, C1) as U+FFFD.
    package static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}": result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
