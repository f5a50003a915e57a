package import TokenVault

/// The findings chart: one bar per flag (legacy, unlimited rights, never expires, expired but
/// not revoked, unused), its length the number of credentials with it, the number written beside.
///
/// ```swift
/// write(FlagChart.figure(overview.flagCounts, unusedFor: overview.unusedFor))
/// ```
package enum FlagChart {
    /// The figure: the chart and its caption.
    package static func figure(_ counts: [FlagCount], unusedFor: Int64) -> String {
        let largest = max(1, counts.map(\.count).max() ?? 1)
        let rowHeight = 24.0
        let labelWidth = 170.0
        let barWidth = 420.0
        var svg = SVGShapes.start(width: 760, height: Int(rowHeight * Double(counts.count)) + 8, label: "Credentials by finding")
        for (index, entry) in counts.enumerated() {
            let y = 4 + rowHeight * Double(index)
            let width = barWidth * Double(entry.count) / Double(largest)
            svg += SVGShapes.text(x: labelWidth - 6, y: y + 15, entry.flag.title, anchor: "end")
            svg += SVGShapes.rect(
                x: labelWidth, y: y + 3, width: width, height: rowHeight - 8, fill: .flag, title: "\(entry.flag.title): \(entry.count)")
            svg += SVGShapes.text(x: labelWidth + width + 6, y: y + 15, SVGShapes.count(entry.count))
        }
        svg += SVGShapes.end
        return "<figure>\(svg)<figcaption>Unrevoked credentials with each finding (one credential may have several). "
            + "Unused: no fetch or verify for \(HTMLEscaping.escaped(TimeFormat.humanDuration(unusedFor))).</figcaption></figure>\n"
    }
}
