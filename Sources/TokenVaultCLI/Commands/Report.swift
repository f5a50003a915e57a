import TokenVault
import TokenVaultJSON
import TokenVaultReportHTML
import TokenVaultSystem
import TokenVaultWire

/// `tokenvault report`: the security admin's risk report, as text, JSON or an HTML page.
struct ReportCommand: VaultCommand {
    /// The options of `report`.
    enum Option: String, OptionKey {
        case unusedFor = "unused-for"
        case html
        case out

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .unusedFor: .value("DURATION", "Report credentials not used for DURATION (default 90d)")
            case .html: .flag("Write one self-contained HTML page with charts instead (not with --json)")
            case .out: .value("FILE", "With --html: write the page to FILE (mode 0600, replaced whole) instead of standard output")
            }
        }
    }

    /// The help, arguments and exit codes of `report`.
    static let configuration = CommandConfiguration(
        name: "report",
        abstract: "The admin's risk report: unlimited, never-expiring, expired, unused, denied, oldest",
        discussion: """
            Lists live credentials with unlimited rights (legacy tokens and *:*:crud scopes), that never
            expire, that expired but were not revoked, or that were not used for --unused-for (default
            90d); denied attempts by actor; the ten oldest secrets by rotation age; and rotations left
            half-way: pending versions, and hook steps versions still owe their issuers (a rollback,
            finish or revoke that failed or waits; the next rotate run retries them). Not audited;
            never shows a secret. Streams: a vault of a million credentials is reported in constant
            memory.

            --html writes one HTML page instead: inline SVG charts of the credentials by issuer,
            state and finding, the expiry timeline of the next 180 days in 60/30/7-day bands,
            refused and failed attempts per day over 90 days with the credentials and actors they
            were for, rotation (last connection tests, rotations left half-way with the steps they
            wait for), and the audit trail (verified first, as audit verify does; its events and
            last seal). The page loads nothing and runs no script; tables show their first 1,000
            rows. --out FILE writes it to a file beside FILE first and renames it over FILE once
            complete, so FILE is never half-written.
            """,
        examples: [
            "tokenvault report --unused-for 30d", "tokenvault report --json | jq .unused",
            "tokenvault report --html --out /srv/www/admin/tokenvault.html",
        ],
        exitCodes: [
            .ok("no risk found"),
            .code(
                1,
                "a risk found: any of the first four sections is not empty, or a step owed to an issuer is due (for cron); or --out FILE could not be written"
            ),
            .usage("a bad duration, --html with --json, --out without --html"),
        ]
    )

    /// Runs `tokenvault report`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let window = try arguments[.unusedFor].map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 90 * 86_400
        let html = arguments.contains(.html)
        if html && context.json { throw .usage("--html and --json each choose the output: give one", command: configuration.name) }
        if arguments[.out] != nil && !html { throw .usage("--out goes with --html", command: configuration.name) }
        let vault = try context.openVault()
        // The page goes to a file beside FILE, created before the vault is read: a folder that
        // cannot take it fails at once, and FILE is replaced only by a complete page.
        let file = try arguments[.out].map { path throws(VaultError) in try system { () throws(SystemError) in try ReplacingFile(path) } }
        let output = file.map { file in BufferedOutput { file.write($0) } } ?? BufferedOutput(context.io)
        let overview: ReportOverview
        if html {
            var page = HTMLReport(check: TrailCheck(try vault.verifyAuditTrail())) { output.write($0) }
            overview = try vault.report(unusedFor: window, into: &page)
        } else if context.json {
            var json = ReportOutput { output.write($0) }
            overview = try vault.report(unusedFor: window, into: &json)
        } else {
            var text = ReportText(output, window: window)
            overview = try vault.report(unusedFor: window, into: &text)
        }
        output.flush()
        try file.map { file throws(VaultError) in try system { () throws(SystemError) in try file.commit() } }
        return overview.hasRisks ? .warning : .ok
    }
}
