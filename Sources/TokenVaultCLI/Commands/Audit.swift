import TokenVault
internal import TokenVaultSystem
import TokenVaultWire

/// `tokenvault audit`: queries and exports the audit trail.
struct AuditCommand: VaultCommand {
    /// The options of `audit`.
    enum Option: String, OptionKey {
        case name, actor, action, outcome, since, until, limit, format

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .name: .value("NAME", "Events about the credential that has or had this name")
            case .actor: .value("ACTOR", "Events by this actor")
            case .action:
                .value("ACTION", "Events of this action (fetch, add, verify, ...)", completion: .choices(AuditAction.allCases.map(\.rawValue)))
            case .outcome: .value("OUTCOME", "ok, denied or error", completion: .choices(["ok", "denied", "error"]))
            case .since: .value("DATE", "Events at or after DATE")
            case .until: .value("DATE", "Events before DATE")
            case .limit: .value("N", "Only the N most recent events (1 to 10,000,000)")
            case .format: .value("FORMAT", "table (default), jsonl or csv", completion: .choices(Format.allCases.map(\.rawValue)))
            }
        }
    }

    /// The help, arguments and exit codes of `audit`.
    static let configuration = CommandConfiguration(
        name: "audit",
        abstract: "Query the audit trail; export it as JSON Lines or CSV",
        discussion: """
            Events are printed oldest first; --limit N keeps the N most recent. --name follows a
            credential through its renames. Exports stream in constant memory. --json is
            --format jsonl. Events never hold a secret. Not itself audited. Two more commands work
            on the trail: audit verify and audit seal.
            """,
        examples: ["tokenvault audit --name erp-prod --limit 20", "tokenvault audit --outcome denied --since 2026-11-01 --format csv > denied.csv"],
        exitCodes: [.ok("the events were printed"), .usage("an unknown action, outcome or format, a bad date or limit")],
        withServer: .client
    )

    /// The output formats of `--format`.
    enum Format: String, CaseIterable { case table, jsonl, csv }

    /// Runs `tokenvault audit`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var filter = AuditFilter(
            credentialName: arguments[.name], actor: arguments[.actor], action: arguments[.action]
        )
        if let outcome = arguments[.outcome] {
            guard let parsed = AuditOutcome(rawValue: outcome) else {
                throw VaultError(.invalidInput, "invalid outcome '\(Table.clean(outcome))': use ok, denied or error")
            }
            filter.outcome = parsed
        }
        if let action = filter.action, AuditAction(rawValue: action) == nil {
            throw VaultError(
                .invalidInput, "invalid action '\(Table.clean(action))': use one of \(AuditAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        filter.since = try arguments[.since].map { text throws(VaultError) in try TimeFormat.parseDate(text) }
        filter.until = try arguments[.until].map { text throws(VaultError) in try TimeFormat.parseDate(text) }
        if let limit = arguments[.limit] {
            guard let value = Int(limit), value > 0, value <= 10_000_000 else {
                throw VaultError(.invalidInput, "invalid --limit '\(Table.clean(limit))': use a positive whole number")
            }
            filter.limit = value
            filter.newestFirst = true
        }
        let formatName = arguments[.format] ?? (context.json ? "jsonl" : "table")
        guard let format = Format(rawValue: formatName) else {
            throw VaultError(.invalidInput, "invalid --format '\(Table.clean(formatName))': use table, jsonl or csv")
        }
        let vault = try context.access()
        let output = BufferedOutput(context.io)
        switch format {
        case .table:
            var table = StreamingTable(AuditEventOutput.tableHeaders, output)
            let append = { (event: AuditEvent) in table.append(AuditEventOutput.tableRow(event)) }
            try forEachOldestFirst(vault, filter, append)
            table.finish()
        case .jsonl, .csv:
            if format == .csv { output.write(AuditEventOutput.csvHeader) }
            let csv = format == .csv
            let render = { (event: AuditEvent) -> String in csv ? AuditEventOutput.csvLine(event) : AuditEventOutput.jsonLine(event) }
            // Progress on a terminal, for a streamed export: it may be going to a file or a pipe.
            let showProgress = ProcessImage.isTerminal(2) && !filter.newestFirst
            var exported = 0
            try forEachOldestFirst(vault, filter) { event in
                output.write(render(event))
                exported += 1
                if showProgress && exported % 100_000 == 0 { context.io.err("\rexported \(exported) events") }
            }
            if showProgress && exported >= 100_000 { context.io.err("\rexported \(exported) events\n") }
        }
        output.flush()
        return .ok
    }

    /// Calls `body` with the matching events oldest first: streamed from the database, or, for
    /// `--limit` (which selects the newest N), collected and then reversed.
    static func forEachOldestFirst(
        _ vault: any VaultAccess, _ filter: AuditFilter, _ body: (AuditEvent) -> Void
    ) throws(VaultError) {
        guard filter.newestFirst else { return try vault.forEachAuditEvent(filter, body) }
        var events: [AuditEvent] = []
        try vault.forEachAuditEvent(filter) { events.append($0) }
        events.reversed().forEach(body)
    }
}
