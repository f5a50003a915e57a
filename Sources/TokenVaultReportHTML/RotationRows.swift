package import TokenVault

/// The rotation section: a bar of the connection tests (passed, failed, never), the number of
/// pending versions, then a table, one row per credential with a pending version or a
/// connection test: its current and pending versions, its last test, and the rotation steps
/// waiting on its versions.
///
/// ```swift
/// write(RotationRows.start(overview.rotation))
/// write(RotationRows.row(item))
/// write(RotationRows.end(rows: 1, more: 0))
/// ```
package enum RotationRows {
    static let columns = ["Name", "Current version", "Pending version", "Last connection test", "Waiting steps"]

    /// The summary chart and the table's start.
    package static func start(_ summary: RotationSummary) -> String {
        let parts: [(ChartFill, Int)] = [(.passed, summary.testsPassed), (.testFailed, summary.testsFailed), (.untested, summary.untested)]
        let total = max(1, parts.reduce(0) { $0 + $1.1 })
        var svg = SVGShapes.start(width: 760, height: 40, label: "Last connection test of the unrevoked credentials")
        var x = 10.0
        for (fill, count) in parts {
            let width = 740 * Double(count) / Double(total)
            svg += SVGShapes.rect(x: x, y: 8, width: width, height: 24, fill: fill, title: "\(count) \(fill.label)")
            x += width
        }
        svg += SVGShapes.end
        let counts = parts.map { "\(SVGShapes.count($0.1)) \($0.0.label)" }.joined(separator: ", ")
        return "<figure>\(svg)\(ChartFill.legend(parts.map(\.0)))<figcaption>Unrevoked credentials by their last connection test: "
            + "\(counts). \(SVGShapes.count(summary.pending)) credentials have a pending version (created by a rotation, "
            + "not promoted yet).</figcaption></figure>\n"
            + "<div class=\"scroll\"><table class=\"rotation\"><thead><tr>" + columns.map { "<th>\($0)</th>" }.joined()
            + "</tr></thead><tbody>\n"
    }

    /// One credential's row; every stored string in it escaped.
    package static func row(_ item: ReportedCredential) -> String {
        let credential = item.credential
        let current = credential.currentVersion.map { "v\($0)" } ?? "-"
        let pending = item.pending.map { "v\($0.number), since \(TimeFormat.iso8601($0.createdAt))" } ?? "-"
        let test: String
        if let last = credential.lastTest {
            let status = last.passed ? "<span class=\"status-ok\">passed</span>" : "<span class=\"status-bad\">failed</span>"
            test =
                "\(status) \(HTMLEscaping.escaped(TimeFormat.iso8601(last.testedAt)))"
                + (last.detail.isEmpty ? "" : ": \(HTMLEscaping.escaped(last.detail))")
        } else {
            test = "never"
        }
        return "<tr><td>\(HTMLEscaping.escaped(credential.name))</td><td>\(current)</td><td>\(HTMLEscaping.escaped(pending))</td>"
            + "<td>\(test)</td><td class=\"waiting\">\(waiting(item.waitingSteps))</td></tr>\n"
    }

    // MARK: - Waiting steps

    /// The rotation steps waiting on a credential's versions (roll back, finish, revoke), one
    /// line each: the place where the report shows them once the vault records them.
    static func waiting(_ steps: [WaitingRotationStep]) -> String {
        guard !steps.isEmpty else { return "none" }
        return steps.map { step in
            HTMLEscaping.escaped("v\(step.version): \(step.step) waiting since \(TimeFormat.iso8601(step.since))")
        }.joined(separator: "<br>")
    }

    /// The table's end, after `rows` rows; `more` were left out.
    package static func end(rows: Int, more: Int) -> String {
        RowLimit.end(rows: rows, more: more, columns: columns.count, none: "No pending version and no connection test.")
    }
}
