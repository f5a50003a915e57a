package import TokenVault

/// Refused and failed attempts per day over the last 90 days: one column a day, refusals below
/// and failures stacked on them in another fill, the largest day's count on the axis; then the
/// credentials and actors they were most for, as tables.
///
/// ```swift
/// write(AttemptsChart.figure(overview.attempts))
/// ```
package enum AttemptsChart {
    /// The figure, with its legend and caption, and the two tables.
    package static func figure(_ history: AttemptHistory) -> String {
        let left = 60.0
        let dayWidth = 7.5
        let top = 14.0
        let plotHeight = 140.0
        let largest = max(1, history.perDay.map { $0.refused + $0.failed }.max() ?? 1)
        var svg = SVGShapes.start(width: 760, height: 190, label: "Refused and failed attempts per day over the last 90 days")
        for (index, day) in history.perDay.enumerated() {
            let x = left + dayWidth * Double(index)
            let date = TimeFormat.day(day.start)
            let refused = plotHeight * Double(day.refused) / Double(largest)
            let failed = plotHeight * Double(day.failed) / Double(largest)
            svg += SVGShapes.rect(
                x: x, y: top + plotHeight - refused, width: dayWidth - 1, height: refused, fill: .refused, title: "\(date): \(day.refused) refused")
            svg += SVGShapes.rect(
                x: x, y: top + plotHeight - refused - failed, width: dayWidth - 1, height: failed, fill: .failed,
                title: "\(date): \(day.failed) failed")
        }
        svg += SVGShapes.line(x1: left, y1: top + plotHeight, x2: left + dayWidth * Double(history.perDay.count), y2: top + plotHeight)
        svg += SVGShapes.line(x1: left, y1: top, x2: left, y2: top + plotHeight)
        svg += SVGShapes.text(x: left - 4, y: top + 4, SVGShapes.count(largest), anchor: "end")
        svg += SVGShapes.text(x: left - 4, y: top + plotHeight, "0", anchor: "end")
        for index in stride(from: 0, to: history.perDay.count, by: 15) {
            svg += SVGShapes.text(
                x: left + dayWidth * Double(index), y: top + plotHeight + 16, TimeFormat.day(history.perDay[index].start), anchor: "start")
        }
        svg += SVGShapes.end
        return "<figure>\(svg)\(ChartFill.legend([.refused, .failed]))"
            + "<figcaption>\(SVGShapes.count(history.refused)) refused and \(SVGShapes.count(history.failed)) failed attempts "
            + "in the last \(AttemptHistory.days) days (UTC days). Refused: out of scope, expired, revoked, unknown, not allowed. "
            + "Failed: an integrity check or a hook.</figcaption></figure>\n"
            + ranking("Credentials most refused or failed", "Credential", history.topCredentials)
            + ranking("Actors most refused or failed", "Actor", history.topActors)
    }

    /// A table of names and counts, with `title` as its heading.
    static func ranking(_ title: String, _ column: String, _ entries: [AttemptHistory.Ranked]) -> String {
        var text = "<h3>\(title)</h3>"
        guard !entries.isEmpty else { return text + "<p class=\"note\">None in the window.</p>\n" }
        text += "<div class=\"scroll\"><table><thead><tr><th>\(column)</th><th class=\"num\">Attempts</th></tr></thead><tbody>"
        for entry in entries {
            text += "<tr><td>\(HTMLEscaping.escaped(entry.name))</td><td class=\"num\">\(SVGShapes.count(entry.count))</td></tr>"
        }
        return text + "</tbody></table></div>\n"
    }
}
