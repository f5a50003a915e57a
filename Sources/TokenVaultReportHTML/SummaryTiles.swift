package import TokenVault

/// The page's first lines: when it was made, and a row of tiles with the numbers an admin looks
/// at first. A tile that needs attention has a heavier border and says so in its label.
///
/// ```swift
/// write(SummaryTiles.html(overview, check: check))
/// ```
package enum SummaryTiles {
    /// The heading's line and the tiles.
    package static func html(_ overview: ReportOverview, check: TrailCheck) -> String {
        let flagged = overview.issuers.reduce(0) { $0 + $1.flagged }
        let verified: Bool
        if case .intact = check { verified = true } else { verified = false }
        let tiles: [(value: String, label: String, alert: Bool)] = [
            (SVGShapes.count(overview.credentialCount), "credentials", false),
            (SVGShapes.count(flagged), flagged > 0 ? "flagged (needs attention)" : "flagged", flagged > 0),
            (
                SVGShapes.count(overview.expiry.expired),
                overview.expiry.expired > 0 ? "expired, not revoked (needs attention)" : "expired, not revoked", overview.expiry.expired > 0
            ),
            (SVGShapes.count(overview.expiry.expiring(within: 7)), "expiring within 7 days", overview.expiry.expiring(within: 7) > 0),
            (
                SVGShapes.count(overview.overPolicy.count),
                overview.overPolicy.isEmpty ? "over an issuer's policy" : "over an issuer's policy (needs attention)", !overview.overPolicy.isEmpty
            ),
            (SVGShapes.count(overview.attempts.refused + overview.attempts.failed), "refused or failed, 90 days", false),
            (verified ? "verified" : "NOT verified", "audit trail, \(SVGShapes.count(overview.trail.eventCount)) events", !verified),
        ]
        var text =
            "<p class=\"meta\">Made \(TimeFormat.iso8601(overview.generatedAt)). Unused means no use for "
            + "\(HTMLEscaping.escaped(TimeFormat.humanDuration(overview.unusedFor))). No secret is shown on this page.</p>\n"
        text += "<ul class=\"tiles\">"
        for tile in tiles {
            text +=
                "<li\(tile.alert ? " class=\"alert\"" : "")><span class=\"value\">\(HTMLEscaping.escaped(tile.value))</span>"
                + "<span class=\"label\">\(HTMLEscaping.escaped(tile.label))</span></li>"
        }
        return text + "</ul>\n"
    }
}
