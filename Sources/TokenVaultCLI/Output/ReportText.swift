import TokenVault
import TokenVaultWire

/// The admin report as `tokenvault report` prints it, written while the library streams it:
/// one heading per section (`none` when empty), each followed by a table of its credentials,
/// then the refusals by actor, the oldest secrets and the rotations left half-way.
///
/// ```swift
/// var text = ReportText(output, window: 90 * 86_400)
/// try vault.report(unusedFor: 90 * 86_400, into: &text)
/// ```
struct ReportText: ReportWriter {
    /// The sections, in order.
    static let sections: [ReportFlag] = ReportFlag.risks
    let listings: [ReportListing] = sections.map { .flag($0) }

    private let output: BufferedOutput
    private let titles: [String]
    private var overview: ReportOverview?
    /// The section whose table is open.
    private var open: (section: Int, table: StreamingTable)?

    /// A report written to `output`, whose unused window is `window` seconds.
    init(_ output: BufferedOutput, window: Int64) {
        self.output = output
        titles = [
            "Unlimited rights (legacy or *:*:crud)", "Never expire", "Expired but not revoked", "Not used for \(TimeFormat.humanDuration(window))",
        ]
    }

    /// Starts the report (call first).
    mutating func begin(_ overview: ReportOverview) {
        self.overview = overview
    }

    /// Adds a credential to section `index` (of ``sections``).
    mutating func add(_ index: Int, _ item: ReportedCredential) {
        advance(to: index)
        let credential = item.credential
        let now = overview?.generatedAt ?? 0
        open?.table.append([
            "  " + credential.name, CredentialOutput.expiry(credential, now: now), credential.lastUsedAt.map(TimeFormat.iso8601) ?? "never",
            credential.issuer ?? "-",
        ])
    }

    /// Ends the sections, then writes the refusals by actor, the oldest secrets and the
    /// rotations left half-way.
    mutating func finish() {
        advance(to: Self.sections.count)
        guard let overview else { return }
        output.write("Denied attempts by actor: \(overview.deniedByActor.isEmpty ? "none" : "")\n")
        if !overview.deniedByActor.isEmpty {
            var table = Table(["  ACTOR", "DENIED", "LAST"])
            for entry in overview.deniedByActor { table.append(["  " + entry.actor, String(entry.count), TimeFormat.iso8601(entry.last)]) }
            output.write(table.rendered())
        }
        output.write("Oldest secrets (by rotation age):\n")
        var table = Table(["  NAME", "CURRENT SINCE", "AGE"])
        for entry in overview.oldestSecrets {
            table.append([
                "  " + entry.credential.name, TimeFormat.iso8601(entry.since), TimeFormat.humanDuration(overview.generatedAt - entry.since),
            ])
        }
        output.write(overview.oldestSecrets.isEmpty ? "  none\n" : table.rendered())
        output.write("Over their issuer's policy: \(overview.overPolicy.isEmpty ? "none" : "")\n")
        if !overview.overPolicy.isEmpty {
            var table = Table(["  NAME", "EXPIRES", "ISSUER", "POLICY"])
            for entry in overview.overPolicy {
                table.append([
                    "  " + entry.credential.name, CredentialOutput.expiry(entry.credential, now: overview.generatedAt),
                    entry.credential.issuer ?? "-", "at most \(entry.policy.maxLifetimeDuration) since \(PolicyOutput.since(entry.policy))",
                ])
            }
            output.write(table.rendered())
        }
        let backlog = overview.rotationBacklog
        output.write("Rotations left half-way (pending versions, steps owed to issuers): \(backlog.isEmpty ? "none" : "")\n")
        if !backlog.isEmpty {
            var table = Table(["  NAME", "VERSION", "STATE", "WAITING"])
            for entry in backlog {
                table.append(["  " + entry.name, String(entry.version), entry.state.rawValue, entry.waiting.map { "\($0)" } ?? "-"])
            }
            output.write(table.rendered())
        }
    }

    /// Ends the open section's table and writes each section up to `index`'s, whose table it
    /// leaves open (past the last: ends them all). An empty section's heading says `none`.
    private mutating func advance(to index: Int) {
        guard open?.section != index, let overview else { return }
        var next = 0
        if var current = open {
            current.table.finish()
            next = current.section + 1
        }
        open = nil
        for section in next..<max(next, min(index + 1, Self.sections.count)) {
            let empty = overview.count(of: Self.sections[section]) == 0
            output.write("\(titles[section]): \(empty ? "none" : "")\n")
            if section == index {
                open = (section, StreamingTable(["  NAME", "EXPIRES", "LAST USED", "ISSUER"], output))
            }
        }
    }
}
