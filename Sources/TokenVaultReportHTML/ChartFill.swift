/// A fill of the charts: a colour with its own pattern (solid, stripes, cross-hatch, dots), so
/// that two series differ in grey, in print and to a colour-blind reader too; each also has a
/// text label in the chart's legend.
///
/// ```swift
/// SVGShapes.rect(x: 0, y: 0, width: 40, height: 10, fill: .expired, title: "3 expired")
/// ```
struct ChartFill: Sendable {
    /// The pattern's id in the document (``definitions``).
    let id: String
    /// What the fill stands for, in the legend.
    let label: String
    let colour: String
    let pattern: Pattern

    enum Pattern: Sendable { case solid, stripes, crossHatch, dots }

    static let active = ChartFill(id: "fill-active", label: "active", colour: "#2da44e", pattern: .solid)
    static let expired = ChartFill(id: "fill-expired", label: "expired", colour: "#e3b341", pattern: .stripes)
    static let revoked = ChartFill(id: "fill-revoked", label: "revoked", colour: "#8c959f", pattern: .crossHatch)
    static let flag = ChartFill(id: "fill-flag", label: "credentials", colour: "#0969da", pattern: .solid)
    static let overdue = ChartFill(id: "fill-overdue", label: "expired, not revoked", colour: "#8e1519", pattern: .solid)
    static let within7 = ChartFill(id: "fill-within7", label: "within 7 days", colour: "#f47067", pattern: .crossHatch)
    static let within30 = ChartFill(id: "fill-within30", label: "within 30 days", colour: "#e3b341", pattern: .stripes)
    static let within60 = ChartFill(id: "fill-within60", label: "within 60 days", colour: "#6cb6ff", pattern: .dots)
    static let later = ChartFill(id: "fill-later", label: "within 180 days", colour: "#8ddb8c", pattern: .solid)
    static let refused = ChartFill(id: "fill-refused", label: "refused", colour: "#cf222e", pattern: .solid)
    static let failed = ChartFill(id: "fill-failed", label: "failed", colour: "#a475f9", pattern: .stripes)
    static let passed = ChartFill(id: "fill-passed", label: "last test passed", colour: "#2da44e", pattern: .solid)
    static let testFailed = ChartFill(id: "fill-test-failed", label: "last test failed", colour: "#cf222e", pattern: .crossHatch)
    static let untested = ChartFill(id: "fill-untested", label: "never tested", colour: "#d0d7de", pattern: .dots)
    static let sealed = ChartFill(id: "fill-sealed", label: "covered by the last seal", colour: "#2da44e", pattern: .solid)
    static let unsealed = ChartFill(id: "fill-unsealed", label: "after the last seal", colour: "#e3b341", pattern: .stripes)

    static let all: [ChartFill] = [
        active, expired, revoked, flag, overdue, within7, within30, within60, later, refused, failed, passed, testFailed, untested, sealed, unsealed,
    ]

    /// `fill` attribute value.
    var reference: String { "url(#\(id))" }

    /// One hidden SVG with every fill's pattern, which the charts refer to by id.
    static let definitions: String = {
        var text = "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\" focusable=\"false\"><defs>\n"
        for fill in all {
            text += "<pattern id=\"\(fill.id)\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
            text += "<rect width=\"8\" height=\"8\" fill=\"\(fill.colour)\"/>"
            switch fill.pattern {
            case .solid: break
            case .stripes: text += "<path d=\"M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4\" stroke=\"#1b1f24\" stroke-width=\"1.5\"/>"
            case .crossHatch: text += "<path d=\"M0,0 l8,8 M8,0 l-8,8\" stroke=\"#1b1f24\" stroke-width=\"1.2\"/>"
            case .dots: text += "<circle cx=\"4\" cy=\"4\" r=\"1.6\" fill=\"#1b1f24\"/>"
            }
            text += "</pattern>\n"
        }
        return text + "</defs></svg>\n"
    }()

    /// A legend of `fills`: a swatch and the label of each.
    static func legend(_ fills: [ChartFill]) -> String {
        var text = "<ul class=\"legend\">"
        for fill in fills {
            text +=
                "<li><svg viewBox=\"0 0 22 14\" aria-hidden=\"true\"><rect width=\"22\" height=\"14\" fill=\"\(fill.reference)\" stroke=\"#1b1f24\"/></svg>"
            text += HTMLEscaping.escaped(fill.label) + "</li>"
        }
        return text + "</ul>\n"
    }
}
