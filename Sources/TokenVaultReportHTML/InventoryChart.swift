package import TokenVault

/// The inventory chart: one bar per issuer, split by state (active, expired, revoked), with the
/// counts written beside it; the issuers with the most credentials first, the rest summed up in
/// one bar.
///
/// ```swift
/// write(InventoryChart.figure(overview.issuers))
/// ```
package enum InventoryChart {
    /// How many issuers get a bar of their own.
    static let shownIssuers = 12

    /// The figure: the chart, its legend and caption.
    package static func figure(_ issuers: [IssuerInventory]) -> String {
        var rows = Array(issuers.prefix(shownIssuers)).map { (label: $0.issuer ?? "(no issuer)", counts: $0) }
        let rest = issuers.dropFirst(shownIssuers)
        if !rest.isEmpty {
            let summed = IssuerInventory(
                issuer: nil, active: rest.reduce(0) { $0 + $1.active }, expired: rest.reduce(0) { $0 + $1.expired },
                revoked: rest.reduce(0) { $0 + $1.revoked }, flagged: rest.reduce(0) { $0 + $1.flagged })
            rows.append((label: "(\(SVGShapes.count(rest.count)) other issuers)", counts: summed))
        }
        let largest = max(1, rows.map(\.counts.total).max() ?? 1)
        let rowHeight = 24.0
        let labelWidth = 170.0
        let barWidth = 330.0
        let height = max(1, Int(rowHeight * Double(rows.count)) + 8)
        var svg = SVGShapes.start(width: 760, height: height, label: "Credentials by issuer and state")
        for (index, row) in rows.enumerated() {
            let y = 4 + rowHeight * Double(index)
            svg += SVGShapes.text(x: labelWidth - 6, y: y + 15, SVGShapes.shortened(row.label, 26), anchor: "end")
            var x = labelWidth
            for (fill, count) in [(ChartFill.active, row.counts.active), (.expired, row.counts.expired), (.revoked, row.counts.revoked)] {
                let width = barWidth * Double(count) / Double(largest)
                svg += SVGShapes.rect(x: x, y: y + 3, width: width, height: rowHeight - 8, fill: fill, title: "\(row.label): \(count) \(fill.label)")
                x += width
            }
            let parts =
                "\(SVGShapes.count(row.counts.total)): \(row.counts.active) active, \(row.counts.expired) expired, \(row.counts.revoked) revoked"
            svg += SVGShapes.text(x: x + 6, y: y + 15, parts)
        }
        svg += SVGShapes.end
        return "<figure>\(svg)\(ChartFill.legend([.active, .expired, .revoked]))"
            + "<figcaption>Credentials by issuer: the bar's length is the number of credentials, its parts their states.</figcaption></figure>\n"
    }
}
