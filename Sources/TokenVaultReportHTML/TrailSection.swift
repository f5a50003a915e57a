package import TokenVault

/// What the page says of the trail's verification: the answer of ``Vault/verifyAuditTrail()``.
package enum TrailCheck: Sendable {
    /// Every event present, in order, unaltered, with a valid MAC; the state matches it.
    case intact(events: Int64)
    /// The first problem found.
    case problem(String)

    /// The check of `report`.
    package init(_ report: AuditReport) {
        if let problem = report.problem {
            self = .problem(problem.description)
        } else {
            self = .intact(events: report.eventsChecked)
        }
    }
}

/// The trail's section: whether it verifies (said in words, with a mark), how many events it
/// holds, its last seal and how many events that covers, and a bar of the covered and the later
/// events.
///
/// ```swift
/// write(TrailSection.html(overview.trail, check: TrailCheck(try vault.verifyAuditTrail())))
/// ```
package enum TrailSection {
    /// The section's HTML.
    package static func html(_ trail: TrailSummary, check: TrailCheck) -> String {
        let status: String
        switch check {
        case .intact(let events):
            status =
                "<span class=\"status-ok\">Verified</span>: all \(SVGShapes.count(events)) events are in order, unaltered, with valid MACs, "
                + "and the credentials' state matches them."
        case .problem(let description):
            status = "<span class=\"status-bad\">NOT verified</span>: \(HTMLEscaping.escaped(description))"
        }
        var text = "<section id=\"trail\"><h2>Audit trail</h2>\n<p>\(status)</p>\n<div class=\"scroll\"><table><tbody>"
        text += "<tr><th>Events</th><td class=\"num\">\(SVGShapes.count(trail.eventCount))</td></tr>"
        if let seal = trail.lastSeal {
            text += "<tr><th>Last seal</th><td>event \(SVGShapes.count(seal.sequence)), \(TimeFormat.iso8601(seal.time))</td></tr>"
            text += "<tr><th>Events the seal covers</th><td class=\"num\">\(SVGShapes.count(seal.coveredEvents))</td></tr>"
        } else {
            text += "<tr><th>Last seal</th><td>never sealed (<code>tokenvault audit seal</code>)</td></tr>"
        }
        text += "<tr><th>Events after the last seal</th><td class=\"num\">\(SVGShapes.count(trail.eventsAfterSeal))</td></tr>"
        text += "</tbody></table></div>\n"
        let total = Double(max(1, trail.eventCount))
        let sealed = 740 * Double(trail.lastSeal?.coveredEvents ?? 0) / total
        var svg = SVGShapes.start(width: 760, height: 40, label: "Events covered by the last seal and after it")
        svg += SVGShapes.rect(
            x: 10, y: 8, width: sealed, height: 24, fill: .sealed, title: "\(trail.lastSeal?.coveredEvents ?? 0) covered by the last seal")
        svg += SVGShapes.rect(
            x: 10 + sealed, y: 8, width: 740 - sealed, height: 24, fill: .unsealed, title: "\(trail.eventsAfterSeal) after the last seal")
        svg += SVGShapes.end
        text +=
            "<figure>\(svg)\(ChartFill.legend([.sealed, .unsealed]))<figcaption>A seal signs the trail up to its event; "
            + "events after it are protected by the chain and the MACs, and by the next seal.</figcaption></figure>\n</section>\n"
        return text
    }
}
