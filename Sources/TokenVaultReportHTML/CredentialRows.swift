package import TokenVault

/// The table of flagged credentials, written one row at a time: name, issuer, state, expiry,
/// last use, grants, description and every flag the credential has, each flag as a labelled
/// badge (its text, not a colour, says what it is).
///
/// ```swift
/// write(CredentialRows.start)
/// write(CredentialRows.row(item, now: overview.generatedAt))
/// write(CredentialRows.end(rows: 1, more: 0))
/// ```
package enum CredentialRows {
    static let columns = ["Name", "Issuer", "State", "Expires", "Last used", "Grants", "Description", "Flags"]

    /// The heading and the table's start.
    package static let start =
        "<h3 id=\"flagged\">Flagged credentials</h3>\n<div class=\"scroll\"><table class=\"flagged\"><thead><tr>"
        + columns.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"

    /// One credential's row; every stored string in it escaped.
    package static func row(_ item: ReportedCredential, now: UnixTime) -> String {
        let credential = item.credential
        let expires = credential.expiresAt.map(TimeFormat.day) ?? "never"
        let cells = [
            credential.name, credential.issuer ?? "-", credential.state(at: now).rawValue, expires,
            credential.lastUsedAt.map(TimeFormat.day) ?? "never", credential.scope.grants.map(\.description).joined(separator: " "),
            credential.description ?? "",
        ]
        let flags = item.flags.map { "<span class=\"flag\">\(HTMLEscaping.escaped($0.title))</span>" }.joined(separator: " ")
        return "<tr>" + cells.map { "<td>\(HTMLEscaping.escaped($0))</td>" }.joined() + "<td>\(flags)</td></tr>\n"
    }

    /// The table's end, after `rows` rows; `more` were left out.
    package static func end(rows: Int, more: Int) -> String {
        RowLimit.end(rows: rows, more: more, columns: columns.count, none: "No credential has a finding.")
    }
}

/// How the page's tables end: a row saying there is none, or a note on the rows left out
/// (``HTMLReport/rowLimit``; `report --json` lists them all).
enum RowLimit {
    static func end(rows: Int, more: Int, columns: Int, none: String) -> String {
        var text = rows == 0 ? "<tr><td colspan=\"\(columns)\">\(none)</td></tr>\n" : ""
        text += "</tbody></table></div>\n"
        if more > 0 {
            text +=
                "<p class=\"note\">The first \(SVGShapes.count(rows)) are shown; \(SVGShapes.count(more)) more are left out "
                + "(<code>tokenvault report --json</code> lists them all).</p>\n"
        }
        return text
    }
}
