/// The few SVG elements the charts draw, each with its values escaped, and the number formats
/// of the page.
///
/// ```swift
/// SVGShapes.text(x: 4, y: 12, "shop <de>")   // <text x="4" y="12">shop &lt;de&gt;</text>
/// ```
enum SVGShapes {
    /// A chart's start: an SVG element of `width` × `height` user units, scaled to the page's
    /// width (on a narrow screen it keeps a legible width and scrolls sideways), with `label`
    /// (escaped) as its accessible name. ``end`` closes it.
    static func start(width: Int, height: Int, label: String) -> String {
        "<div class=\"chart\"><svg viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTMLEscaping.escaped(label))\">"
    }

    /// A chart's end.
    static let end = "</svg></div>"

    /// A rectangle with `fill` and, when given, a tooltip `title` (escaped); nothing for an
    /// empty one.
    static func rect(x: Double, y: Double, width: Double, height: Double, fill: ChartFill, title: String? = nil) -> String {
        guard width > 0, height > 0 else { return "" }
        let shape = "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"\(fill.reference)\""
        guard let title else { return shape + "/>" }
        return shape + "><title>\(HTMLEscaping.escaped(title))</title></rect>"
    }

    /// A line of text (escaped); `anchor` is `start`, `middle` or `end`.
    static func text(x: Double, y: Double, _ content: String, anchor: String = "start", bold: Bool = false) -> String {
        let weight = bold ? " font-weight=\"600\"" : ""
        return "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\"\(weight)>\(HTMLEscaping.escaped(content))</text>"
    }

    /// A thin line.
    static func line(x1: Double, y1: Double, x2: Double, y2: Double, dashed: Bool = false) -> String {
        let dash = dashed ? " stroke-dasharray=\"3 3\"" : ""
        return "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" stroke=\"#57606a\"\(dash)/>"
    }

    /// `value` with at most one decimal, as SVG coordinates are written.
    static func number(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        let whole = tenths / 10
        let fraction = abs(tenths % 10)
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        return fraction == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// `value` with a thin group separator every three digits: `12,345`.
    static func count<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `text`, cut to `limit` characters with an ellipsis: long names must not run over a chart.
    static func shortened(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
