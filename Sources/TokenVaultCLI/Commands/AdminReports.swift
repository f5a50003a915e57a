internal import Glibc
import TokenVault

struct ReportCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "report",
        abstract: "The admin's risk report: unlimited, never-expiring, expired, unused, denied, oldest",
        usage: "report [--unused-for 90d]",
        discussion: """
            Lists live credentials with unlimited rights (legacy tokens and *:*:crud scopes), that never
            expire, that expired but were not revoked, or that were not used for --unused-for (default
            90d); denied attempts by actor; and the ten oldest secrets by rotation age. Exit 1 when it
            finds a risk (any of the first four), for cron; 0 otherwise.
            """,
        options: [.value("unused-for", "DURATION", "Report credentials not used for DURATION (default 90d)")],
        examples: ["tokenvault report --unused-for 30d", "tokenvault report --json | jq .unused"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let window = try arguments.value("unused-for").map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 90 * 86_400
        let vault = try context.openVault()
        let report = try vault.report(unusedFor: window)
        let now = vault.configuration.clock.now
        let sections: [(String, String, [Credential])] = [
            ("unlimited", "Unlimited rights (legacy or *:*:crud)", report.unlimited),
            ("never_expiring", "Never expire", report.neverExpiring),
            ("expired_not_revoked", "Expired but not revoked", report.expiredNotRevoked),
            ("unused", "Not used for \(TimeFormat.humanDuration(window))", report.unused),
        ]
        if context.json {
            var fields = sections.map { key, _, credentials in (key, JSON.array(credentials.map { .string($0.name) })) }
            fields.append(("denied_by_actor", .array(report.deniedByActor.map { entry in
                .object([("actor", .string(entry.actor)), ("count", .int(entry.count)), ("last", .time(entry.last))])
            })))
            fields.append(("oldest_secrets", .array(report.oldestSecrets.map { entry in
                .object([("name", .string(entry.credential.name)), ("current_since", .time(entry.since))])
            })))
            fields.append(("risks", .bool(report.hasRisks)))
            context.io.out(JSON.object(fields).rendered() + "\n")
        } else {
            for (_, title, credentials) in sections {
                context.io.out("\(title): \(credentials.isEmpty ? "none" : "")\n")
                guard !credentials.isEmpty else { continue }
                var table = Table(["  NAME", "EXPIRES", "LAST USED", "ISSUER"])
                for credential in credentials {
                    table.append([
                        "  " + credential.name, CredentialOutput.expiry(credential, now: now),
                        credential.lastUsedAt.map(TimeFormat.iso8601) ?? "never", credential.issuer ?? "-",
                    ])
                }
                context.io.out(table.rendered())
            }
            context.io.out("Denied attempts by actor: \(report.deniedByActor.isEmpty ? "none" : "")\n")
            if !report.deniedByActor.isEmpty {
                var table = Table(["  ACTOR", "DENIED", "LAST"])
                for entry in report.deniedByActor { table.append(["  " + entry.actor, String(entry.count), TimeFormat.iso8601(entry.last)]) }
                context.io.out(table.rendered())
            }
            context.io.out("Oldest secrets (by rotation age):\n")
            var table = Table(["  NAME", "CURRENT SINCE", "AGE"])
            for entry in report.oldestSecrets {
                table.append(["  " + entry.credential.name, TimeFormat.iso8601(entry.since), TimeFormat.humanDuration(now - entry.since)])
            }
            context.io.out(report.oldestSecrets.isEmpty ? "  none\n" : table.rendered())
        }
        return report.hasRisks ? .warning : .ok
    }
}

struct ScanCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "scan",
        abstract: "Find leaked tokens in files: file:line and credential name, never the secret",
        usage: "scan PATH...",
        discussion: """
            Walks files and folders (skipping .git, binary files and files over 64 MiB) for tokens
            minted by this vault (tvk_ prefix and checksum, also ones this vault does not know) and
            for stored tokens, by keyed fingerprint, raw, quoted, in JSON, in KEY=value lines or
            URL-encoded. A symbolic link named on the command line is followed; links met inside
            folders are skipped. Exit 1 when it finds any, 0 otherwise. Progress on standard error when it
            is a terminal.
            """,
        positionals: 1...10_000,
        examples: ["tokenvault scan ~/projects/connector /etc/connector.env"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let showProgress = isatty(2) == 1 && !context.json
        let summary = try vault.scan(arguments.positionals) { files, bytes in
            if showProgress { context.io.err("\rscanned \(files) files, \(bytes >> 20) MiB") }
        }
        if showProgress { context.io.err("\r\u{1B}[K") }
        if context.json {
            context.io.out(JSON.object([
                ("files_scanned", .int(Int64(summary.filesScanned))), ("bytes_scanned", .int(summary.bytesScanned)),
                ("files_skipped", .int(Int64(summary.filesSkipped))),
                ("findings", .array(summary.findings.map { finding in
                    .object([
                        ("path", .string(finding.path)), ("line", .int(Int64(finding.line))), ("kind", .string(finding.kind.rawValue)),
                        ("credential", .optional(finding.credentialName)), ("version", .int(finding.version)),
                    ])
                })),
            ]).rendered() + "\n")
        } else {
            for finding in summary.findings {
                let what: String
                switch finding.kind {
                case .stored: what = "stored token of '\(finding.credentialName ?? "?")' (version \(finding.version ?? 0))"
                case .issued: what = "issued token of '\(finding.credentialName ?? "?")' (version \(finding.version ?? 0))"
                case .unknownIssued: what = "a tvk_ token this vault does not know"
                }
                context.io.out(Table.clean("\(finding.path):\(finding.line): \(what)") + "\n")
            }
            context.io.out("scanned \(summary.filesScanned) files (\(summary.bytesScanned) bytes), skipped \(summary.filesSkipped); found \(summary.findings.count) leaked tokens\n")
        }
        return summary.findings.isEmpty ? .ok : .warning
    }
}

struct CheckEndpointCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "check-endpoint",
        abstract: "Warn when an API path is a legacy ERP endpoint that refuses PATs",
        usage: "check-endpoint NAME PATH",
        discussion: """
            Some legacy endpoints of the ERP refuse personal-access-token authentication
            (/shopimport/..., /v1/reports). PATH may be a path or a full URL; a leading /api, the query
            and placeholders such as {articlenumber} are handled. Exit 1 with a warning when PATH is
            one of them, 0 when the PAT can be used.
            """,
        positionals: 2...2,
        examples: ["tokenvault check-endpoint erp-prod /shopimport/status"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let (name, path) = (arguments.positionals[0], arguments.positionals[1])
        let vault = try context.openVault()
        let match = try vault.legacyEndpoint(for: name, path: path)
        if context.json {
            context.io.out(JSON.object([("name", .string(name)), ("path", .string(path)), ("refuses_pat", .bool(match != nil)), ("pattern", .optional(match))]).rendered() + "\n")
        } else if let match {
            context.io.err(Table.clean("tokenvault: warning: \(path) is the legacy endpoint \(match), which refuses PAT authentication: '\(name)' cannot reach it") + "\n")
        } else {
            context.io.out(Table.clean("'\(name)' can be used for \(path) (not a legacy endpoint)") + "\n")
        }
        return match == nil ? .ok : .warning
    }
}
