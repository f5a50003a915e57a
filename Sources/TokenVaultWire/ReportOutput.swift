package import TokenVault
import TokenVaultJSON

/// The admin report as `report --json` prints it and `GET /v1/report` answers it, written as
/// the library streams the report, so that a million flagged credentials never sit in memory:
/// `{"unlimited":[names],"never_expiring":[…],"expired_not_revoked":[…],"unused":[…],
/// "denied_by_actor":[{"actor","count","last"}],"oldest_secrets":[{"name","current_since"}],
/// "over_policy":[{"name","policy"}],"rotation_backlog":[{"name","version","state","waiting"}],"risks":bool}`.
///
/// ```swift
/// var json = ReportOutput { output.write($0) }
/// try vault.report(unusedFor: window, into: &json)
/// ```
package final class ReportOutput: ReportWriter {
    /// The sections, each a list of names, in order.
    static let sections: [ReportFlag] = ReportFlag.risks
    /// ``sections`` as listings.
    package let listings: [ReportListing] = sections.map { .flag($0) }

    private let write: (String) -> Void
    private var overview: ReportOverview?
    /// The section whose array is open, and whether a name is in it yet.
    private var open: (section: Int, empty: Bool)?

    /// A document written through `write`.
    package init(write: @escaping (String) -> Void) {
        self.write = write
    }

    /// Starts the document (call first).
    package func begin(_ overview: ReportOverview) {
        self.overview = overview
    }

    /// Adds a credential's name to section `index` (of ``sections``).
    package func add(_ index: Int, _ item: ReportedCredential) {
        advance(to: index)
        write((open?.empty == false ? "," : "") + JSON.string(item.credential.name).rendered())
        open?.empty = false
    }

    /// Ends the sections no name came for, then writes the refusals, the oldest secrets, the
    /// rotations left half-way and whether any risk was found, and a newline.
    package func finish() {
        advance(to: Self.sections.count)
        guard let overview else { return }
        let denied = overview.deniedByActor.map { entry in
            JSON.object([("actor", .string(entry.actor)), ("count", .int(entry.count)), ("last", .time(entry.last))])
        }
        let oldest = overview.oldestSecrets.map { entry in
            JSON.object([("name", .string(entry.credential.name)), ("current_since", .time(entry.since))])
        }
        let backlog = overview.rotationBacklog.map { entry in
            JSON.object([
                ("name", .string(entry.name)), ("version", .int(Int64(entry.version))), ("state", .string(entry.state.rawValue)),
                ("waiting", entry.waiting.map(IssuerStepOutput.json) ?? .null),
            ])
        }
        let overPolicy = overview.overPolicy.map { entry in
            JSON.object([("name", .string(entry.credential.name)), ("policy", PolicyOutput.json(entry.policy))])
        }
        write(
            ",\"denied_by_actor\":\(JSON.array(denied).rendered()),\"oldest_secrets\":\(JSON.array(oldest).rendered())"
                + ",\"over_policy\":\(JSON.array(overPolicy).rendered())"
                + ",\"rotation_backlog\":\(JSON.array(backlog).rendered()),\"risks\":\(overview.hasRisks)}\n")
    }

    /// Closes the open section's array and opens each one up to `index`'s (past the last:
    /// closes them all).
    private func advance(to index: Int) {
        guard open?.section != index else { return }
        var next = 0
        if let current = open {
            write("]")
            next = current.section + 1
        }
        open = nil
        for section in next..<max(next, min(index + 1, Self.sections.count)) {
            write((section == 0 ? "{" : ",") + JSON.string(Self.sections[section].rawValue).rendered() + ":[")
            if section < index { write("]") }
        }
        if index < Self.sections.count { open = (index, true) }
    }
}
