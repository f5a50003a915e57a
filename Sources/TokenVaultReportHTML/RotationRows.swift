package import TokenVault

/// The rotation section: a bar of the connection tests (passed, failed, never), the rotations
/// left half-way with the hook step each version waits for (roll back, finish, revoke at the
/// issuer), then a table of the last connection test of each tested credential, written one
/// row at a time.
///
/// ```swift
/// write(RotationRows.start(overview.rotation, backlog: overview.rotationBacklog))
/// write(RotationRows.row(item))
/// write(RotationRows.end(rows: 1, more: 0))
/// ```
package enum RotationRows {
    static let columns = ["Name", "Current version", "Last connection test"]

    /// The summary chart, the rotations left half-way, and the tests table's start.
    package static func start(_ summary: RotationSummary, backlog: [RotationBacklogEntry]) -> String {
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
            + "\(counts).</figcaption></figure>\n" + waiting(backlog)
            + "<h3>Last connection tests</h3>\n<div class=\"scroll\"><table class=\"tests\"><thead><tr>"
            + columns.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
    }

    /// One tested credential's row; every stored string in it escaped.
    package static func row(_ item: ReportedCredential) -> String {
        let credential = item.credential
        let current = credential.currentVersion.map { "v\($0)" } ?? "-"
        var test = "never"
        if let last = credential.lastTest {
            let status = last.passed ? "<span class=\"status-ok\">passed</span>" : "<span class=\"status-bad\">failed</span>"
            test = "\(status) \(TimeFormat.iso8601(last.testedAt))" + (last.detail.isEmpty ? "" : ": \(HTMLEscaping.escaped(last.detail))")
        }
        return "<tr><td>\(HTMLEscaping.escaped(credential.name))</td><td>\(current)</td><td>\(test)</td></tr>\n"
    }

    /// The table's end, after `rows` rows; `more` were left out.
    package static func end(rows: Int, more: Int) -> String {
        RowLimit.end(rows: rows, more: more, columns: columns.count, none: "No credential was tested.")
    }

    // MARK: - Waiting steps

    /// The rotations left half-way: each pending version, and each version that owes its issuer
    /// a hook step, with the step, whether it is due and how its attempts failed. A due step is
    /// a risk (the issuer may still accept a token the vault no longer holds) and says so.
    static func waiting(_ backlog: [RotationBacklogEntry]) -> String {
        var text = "<h3 id=\"waiting\">Rotations left half-way</h3>\n"
        guard !backlog.isEmpty else { return text + "<p class=\"note\">None: no pending version, no step owed to an issuer.</p>\n" }
        text +=
            "<div class=\"scroll\"><table class=\"waiting\"><thead><tr><th>Name</th><th>Version</th><th>State</th>"
            + "<th>Waiting step</th></tr></thead><tbody>\n"
        for entry in backlog {
            let step = entry.waiting.map { waiting in
                (waiting.isDue ? "<span class=\"status-bad\">due</span> " : "") + HTMLEscaping.escaped(waiting.description)
            }
            text +=
                "<tr><td>\(HTMLEscaping.escaped(entry.name))</td><td>v\(entry.version)</td><td>\(entry.state.rawValue)</td>"
                + "<td>\(step ?? "none (a pending version: the next rotate run resumes or discards it)")</td></tr>\n"
        }
        return text + "</tbody></table></div>\n"
    }
}
