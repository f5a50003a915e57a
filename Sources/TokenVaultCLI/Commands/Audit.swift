internal import Glibc
import TokenVault
internal import TokenVaultSystem

struct AuditCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "audit",
        abstract: "Query the audit trail; export it as JSON Lines or CSV",
        usage: """
            audit [--name N] [--actor A] [--action X] [--outcome ok|denied|error]
                             [--since DATE] [--until DATE] [--limit N] [--format table|jsonl|csv]
            """,
        discussion: """
            Events are printed oldest first; --limit N keeps the N most recent. --name follows a
            credential through its renames. Exports stream in constant memory. --json is
            --format jsonl. Events never hold a secret.
            """,
        options: [
            .value("name", "NAME", "Events about the credential that has or had this name"),
            .value("actor", "ACTOR", "Events by this actor"),
            .value("action", "ACTION", "Events of this action (fetch, add, verify, ...)"),
            .value("outcome", "OUTCOME", "ok, denied or error"),
            .value("since", "DATE", "Events at or after DATE"),
            .value("until", "DATE", "Events before DATE"),
            .value("limit", "N", "Only the N most recent events"),
            .value("format", "FORMAT", "table (default), jsonl or csv"),
        ],
        examples: ["tokenvault audit --name erp-prod --limit 20", "tokenvault audit --outcome denied --format csv > denied.csv"]
    )

    enum Format: String { case table, jsonl, csv }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var filter = AuditFilter(
            credentialName: arguments.value("name"), actor: arguments.value("actor"), action: arguments.value("action")
        )
        if let outcome = arguments.value("outcome") {
            guard let parsed = AuditOutcome(rawValue: outcome) else {
                throw VaultError(.invalidInput, "invalid outcome '\(Table.clean(outcome))': use ok, denied or error")
            }
            filter.outcome = parsed
        }
        if let action = filter.action, AuditAction(rawValue: action) == nil {
            throw VaultError(.invalidInput, "invalid action '\(Table.clean(action))': use one of \(AuditAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        filter.since = try arguments.value("since").map { text throws(VaultError) in try TimeFormat.parseDate(text) }
        filter.until = try arguments.value("until").map { text throws(VaultError) in try TimeFormat.parseDate(text) }
        if let limit = arguments.value("limit") {
            guard let value = Int(limit), value > 0, value <= 10_000_000 else {
                throw VaultError(.invalidInput, "invalid --limit '\(Table.clean(limit))': use a positive whole number")
            }
            filter.limit = value
            filter.newestFirst = true
        }
        let formatName = arguments.value("format") ?? (context.json ? "jsonl" : "table")
        guard let format = Format(rawValue: formatName) else {
            throw VaultError(.invalidInput, "invalid --format '\(Table.clean(formatName))': use table, jsonl or csv")
        }
        let vault = try context.openVault()
        let output = BufferedOutput(context.io)
        switch format {
        case .table:
            var table = StreamingTable(["SEQ", "TIME", "ACTOR", "ACTION", "CREDENTIAL", "NEED", "OUTCOME", "REASON"], output)
            let append = { (event: AuditEvent) in
                table.append([
                    String(event.sequence), TimeFormat.iso8601(event.time), event.actor, event.action.rawValue,
                    event.credentialName ?? "-", needText(event), event.outcome.rawValue, event.reason ?? "",
                ])
            }
            try forEachOldestFirst(vault, filter, append)
            table.finish()
        case .jsonl, .csv:
            if format == .csv { output.write(csvHeader) }
            let csv = format == .csv
            let render = { (event: AuditEvent) -> String in csv ? csvLine(event) : jsonLine(event) }
            // Progress on a terminal, for a streamed export: it may be going to a file or a pipe.
            let showProgress = isatty(2) == 1 && !filter.newestFirst
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
        _ vault: Vault, _ filter: AuditFilter, _ body: (AuditEvent) -> Void
    ) throws(VaultError) {
        guard filter.newestFirst else { return try vault.forEachAuditEvent(filter, body) }
        var events: [AuditEvent] = []
        try vault.forEachAuditEvent(filter) { events.append($0) }
        events.reversed().forEach(body)
    }

        static func needText(_ event: AuditEvent) -> String {
        let parts = [("project", event.needProject), ("resource", event.needResource), ("permission", event.needPermissions)]
        let given = parts.compactMap { label, value in value.map { "\(label)=\($0)" } }
        return given.isEmpty ? "-" : given.joined(separator: " ")
    }

    static func jsonLine(_ event: AuditEvent) -> String {
        JSON.object([
            ("seq", .int(event.sequence)), ("time", .time(event.time)), ("actor", .string(event.actor)),
            ("action", .string(event.action.rawValue)), ("credential_id", .optional(event.credentialID)),
            ("credential_name", .optional(event.credentialName)), ("need_project", .optional(event.needProject)),
            ("need_resource", .optional(event.needResource)), ("need_permission", .optional(event.needPermissions)),
            ("outcome", .string(event.outcome.rawValue)), ("reason", .optional(event.reason)),
            ("version", event.version.map(JSON.int) ?? .null),
        ]).rendered() + "\n"
    }

    static let csvHeader = "seq,time,actor,action,credential_id,credential_name,need_project,need_resource,need_permission,outcome,reason,version\n"

    static func csvLine(_ event: AuditEvent) -> String {
        let fields: [String?] = [
            String(event.sequence), TimeFormat.iso8601(event.time), event.actor, event.action.rawValue, event.credentialID,
            event.credentialName, event.needProject, event.needResource, event.needPermissions, event.outcome.rawValue,
            event.reason, event.version.map { String($0) },
        ]
        return fields.map { csvField($0 ?? "") }.joined(separator: ",") + "\n"
    }

    /// A field as stored text is shown everywhere (``DisplayText``: no control character, no
    /// bidirectional override), a leading `'` before `=`, `+`, `-`, `@` so that a spreadsheet
    /// never evaluates it as a formula (CSV injection), and RFC 4180 quoting.
    static func csvField(_ text: String) -> String {
        var text = DisplayText.clean(text)
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" }) else { return text }
        var quoted = "\""
        for character in text { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }
}
