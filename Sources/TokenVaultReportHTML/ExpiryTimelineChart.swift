package import TokenVault

/// The expiry timeline: the unrevoked credentials that expire in each of the next 180 days, one
/// column a day, each column in the fill of its notice band (within 7, 30, 60 and 180 days, the
/// levels of GitLab's expiry mails), the bands' edges marked and labelled, and the expired but
/// not revoked as a column of their own before today. The counts of each band follow in a table.
///
/// ```swift
/// write(ExpiryTimelineChart.figure(overview.expiry, now: overview.generatedAt))
/// ```
package enum ExpiryTimelineChart {
    /// The figure: the chart, its legend, a table of the bands and the caption.
    package static func figure(_ timeline: ExpiryTimeline, now: UnixTime) -> String {
        let left = 110.0
        let dayWidth = 3.5
        let top = 22.0
        let plotHeight = 140.0
        let largest = max(1, timeline.perDay.max() ?? 1)
        var svg = SVGShapes.start(width: 760, height: 200, label: "Credentials expiring per day over the next 180 days")
        // The expired, before today, on the same scale (cut at the top when larger).
        let expiredHeight = min(plotHeight, plotHeight * Double(timeline.expired) / Double(largest))
        svg += SVGShapes.rect(
            x: 30, y: top + plotHeight - expiredHeight, width: 40, height: expiredHeight, fill: .overdue,
            title: "\(timeline.expired) expired, not revoked")
        svg += SVGShapes.text(x: 50, y: top + plotHeight - expiredHeight - 4, SVGShapes.count(timeline.expired), anchor: "middle", bold: true)
        svg += SVGShapes.text(x: 50, y: top + plotHeight + 16, "expired", anchor: "middle")
        for (day, count) in timeline.perDay.enumerated() where count > 0 {
            let height = max(1, plotHeight * Double(count) / Double(largest))
            let date = TimeFormat.day(now + Int64(day) * 86_400)
            svg += SVGShapes.rect(
                x: left + dayWidth * Double(day), y: top + plotHeight - height, width: dayWidth - 0.5, height: height, fill: band(of: day),
                title: "\(date): \(count) expiring")
        }
        svg += SVGShapes.line(x1: left, y1: top + plotHeight, x2: left + dayWidth * 180, y2: top + plotHeight)
        for edge in ExpiryTimeline.bandDays {
            let x = left + dayWidth * Double(edge)
            svg += SVGShapes.line(x1: x, y1: top - 6, x2: x, y2: top + plotHeight, dashed: true)
            svg += SVGShapes.text(x: x + 2, y: top - 8, "\(edge) d")
        }
        for day in stride(from: 0, through: 180, by: 30) {
            let x = left + dayWidth * Double(day)
            // The last label ends at its mark, inside the chart.
            let anchor = day == 180 ? "end" : "middle"
            svg += SVGShapes.text(x: x, y: top + plotHeight + 16, day == 0 ? "today" : "+\(day) d", anchor: anchor)
            // Dates every 60 days: a date is wider than 30 days of columns.
            if day % 60 == 0 {
                svg += SVGShapes.text(x: x, y: top + plotHeight + 32, TimeFormat.day(now + Int64(day) * 86_400), anchor: anchor)
            }
        }
        svg += SVGShapes.text(x: left - 4, y: top + 4, SVGShapes.count(largest), anchor: "end")
        svg += SVGShapes.end
        let bands: [(String, Int)] = [
            ("Expired, not revoked", timeline.expired), ("Within 7 days", timeline.expiring(within: 7)),
            ("Within 30 days", timeline.expiring(within: 30)), ("Within 60 days", timeline.expiring(within: 60)),
            ("Within 180 days", timeline.expiring(within: ExpiryTimeline.horizonDays)), ("Later", timeline.later),
            ("Never", timeline.never),
        ]
        var table = "<div class=\"scroll\"><table class=\"bands\"><thead><tr><th>Expires</th><th class=\"num\">Credentials</th></tr></thead><tbody>"
        for (label, count) in bands { table += "<tr><td>\(label)</td><td class=\"num\">\(SVGShapes.count(count))</td></tr>" }
        table += "</tbody></table></div>"
        return "<figure>\(svg)\(ChartFill.legend([.overdue, .within7, .within30, .within60, .later]))"
            + "<figcaption>Unrevoked credentials by the day they expire (UTC), in GitLab's 60, 30 and 7-day notice bands. "
            + "The bands count from today: within 30 days includes within 7.</figcaption></figure>\n\(table)\n"
    }

    /// The fill of the band day `day` (from today) falls in.
    static func band(of day: Int) -> ChartFill {
        switch day {
        case ..<7: .within7
        case ..<30: .within30
        case ..<60: .within60
        default: .later
        }
    }
}
