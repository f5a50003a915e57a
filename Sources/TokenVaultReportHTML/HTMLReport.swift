package import TokenVault

/// The admin report as one self-contained HTML page, written piece by piece as
/// ``Vault/report(unusedFor:listing:limit:overview:each:)`` streams it: the overview's sections
/// first, the tables one row at a time (at most ``rowLimit`` each, the rest counted from the
/// overview), the trail last. Memory does not grow with the vault.
///
/// ```swift
/// var page = HTMLReport(check: TrailCheck(try vault.verifyAuditTrail())) { text in output.write(text) }
/// try vault.report(unusedFor: window, into: &page)
/// ```
///
/// Given the same overview, rows and check, the page is the same byte for byte: every time in
/// it is the report's (the vault's clock), never the time of writing.
///
/// Security: every stored string on the page is escaped (``HTMLEscaping``); the page holds no
/// script and loads nothing (``ReportDocument``), and no secret reaches it.
package final class HTMLReport: ReportWriter {
    /// The listings the page shows: the flagged credentials, then the tested ones.
    package let listings: [ReportListing] = [.flagged, .tested]
    /// The rows each table shows: a page of a million rows would not open, and the library
    /// reads no more than these.
    package static let rowLimit = 1_000
    package var limit: Int? { Self.rowLimit }

    private let title: String
    private let check: TrailCheck
    private let write: (String) -> Void
    private var overview: ReportOverview?
    /// The listing whose table is open, and its rows written.
    private var open: (listing: Int, rows: Int)?

    /// A page whose trail section says `check`, written through `write`.
    package init(title: String = "TokenVault report", check: TrailCheck, write: @escaping (String) -> Void) {
        self.title = title
        self.check = check
        self.write = write
    }

    /// Writes the page up to the first table: the head, the tiles and the inventory charts.
    package func begin(_ overview: ReportOverview) {
        self.overview = overview
        write(ReportDocument.head(title: title) + ChartFill.definitions + SummaryTiles.html(overview, check: check))
        write("<section id=\"inventory\"><h2>Inventory</h2>\n<h3>By issuer and state</h3>\n" + InventoryChart.figure(overview.issuers))
        write("<h3>Findings</h3>\n" + FlagChart.figure(overview.flagCounts, unusedFor: overview.unusedFor))
    }

    /// Writes one row of listing `index` (of ``listings``), first ending the table before it
    /// and the sections between.
    package func add(_ index: Int, _ item: ReportedCredential) {
        advance(to: index)
        guard var table = open, table.rows < Self.rowLimit else { return }
        table.rows += 1
        write(index == 0 ? CredentialRows.row(item, now: overview?.generatedAt ?? 0) : RotationRows.row(item))
        open = table
    }

    /// Writes what is left: the tables no row came for, the sections between, the trail and
    /// the document's end.
    package func finish() {
        advance(to: listings.count)
        guard let overview else { return }
        write(TrailSection.html(overview.trail, check: check) + ReportDocument.end)
    }

    /// Ends the open table and writes every table and section up to listing `index`'s table,
    /// which it leaves open (`index` past the last: everything up to the trail).
    private func advance(to index: Int) {
        guard let overview, open?.listing != index else { return }
        var next = 0
        if let table = open {
            write(closing(table.listing, rows: table.rows, overview))
            next = table.listing + 1
        }
        open = nil
        for listing in next..<max(next, min(index, listings.count)) {
            write(opening(listing, overview) + closing(listing, rows: 0, overview))
        }
        if index < listings.count {
            write(opening(index, overview))
            open = (index, 0)
        }
    }

    /// The start of listing `listing`'s table, with what comes before it.
    private func opening(_ listing: Int, _ overview: ReportOverview) -> String {
        listing == 0
            ? CredentialRows.start
            : "<section id=\"rotation\"><h2>Rotation</h2>\n"
                + RotationRows.start(overview.rotation, backlog: overview.rotationBacklog)
    }

    /// The end of listing `listing`'s table after `rows` rows, saying how many more the
    /// overview counts, with the sections that follow it.
    private func closing(_ listing: Int, rows: Int, _ overview: ReportOverview) -> String {
        listing == 0
            ? CredentialRows.end(rows: rows, more: max(0, overview.flaggedCount - rows)) + "</section>\n" + Self.middle(overview)
            : RotationRows.end(rows: rows, more: max(0, overview.rotation.tested - rows)) + "</section>\n"
    }

    /// The sections between the flagged credentials and rotation: expiry and attempts.
    private static func middle(_ overview: ReportOverview) -> String {
        "<section id=\"expiry\"><h2>Expiry, next 180 days</h2>\n" + ExpiryTimelineChart.figure(overview.expiry, now: overview.generatedAt)
            + "</section>\n<section id=\"attempts\"><h2>Refused and failed attempts, last 90 days</h2>\n"
            + AttemptsChart.figure(overview.attempts) + "</section>\n"
    }
}
