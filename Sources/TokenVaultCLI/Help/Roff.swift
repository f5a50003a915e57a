/// Text made safe for roff (the man page's markup).
///
/// ```swift
/// Roff.escape("--vault <PATH>")  // "\\-\\-vault <PATH>"
/// Roff.line(".hidden")           // "\\&.hidden"
/// ```
enum Roff {
    /// `text` with backslashes as `\e`, hyphens as `\-` (so options copy as ASCII), and
    /// characters outside ASCII as `\[uXXXX]`, which groff reads whatever its input encoding.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where !scalar.isASCII:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One line of text: escaped, with `\&` before a leading `.` or `'` so it is not read as a
    /// request.
    static func line(_ text: String) -> String {
        let escaped = escape(text)
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }

    /// Paragraphs: each line of `text` escaped, an empty line starting a new paragraph (`.PP`).
    static func paragraphs(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.allSatisfy(\.isWhitespace) ? ".PP" : Roff.line(String(line))
        }.joined(separator: "\n")
    }

    /// `\fBtext\fR`: bold.
    static func bold(_ text: String) -> String { "\\fB" + escape(text) + "\\fR" }

    /// `\fItext\fR`: italic (underlined on a terminal).
    static func italic(_ text: String) -> String { "\\fI" + escape(text) + "\\fR" }
}
