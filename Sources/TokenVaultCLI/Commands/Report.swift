import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault report`: the security admin's risk report.
struct ReportCommand: VaultCommand {
    /// The options of `report`.
    enum Option: String, OptionKey {
        case unusedFor = "unused-for"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .unusedFor: .value("DURATION", "Report credentials not used for DURATION (default 90d)")
            }
        }
    }

    /// The help, arguments and exit codes of `report`.
    static let configuration = CommandConfiguration(
        name: "report",
        abstract: "The admin's risk report: unlimited, never-expiring, expired, unused, over-policy, denied, oldest",
        discussion: """
            Lists live credentials with unlimited rights (legacy tokens and *:*:crud scopes), that never
            expire, that expired but were not revoked, or that were not used for --unused-for (default
            90d); tokens whose lifetime is longer than their issuer's policy allows (`policy list`);
            denied attempts by actor; the ten oldest secrets by rotation age; and rotations left
            half-way: pending versions, and hook steps versions still owe their issuers (a rollback,
            finish or revoke that failed or waits; the next rotate run retries them). Not audited;
            never shows a secret.
            """,
        examples: ["tokenvault report --unused-for 30d", "tokenvault report --json | jq .unused"],
        exitCodes: [
            .ok("no risk found"),
            .code(1, "a risk found: any of the first five sections is not empty, or a step owed to an issuer is due (for cron)"),
            .usage("a bad duration"),
        ]
    )

    /// Runs `tokenvault report`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let window = try arguments[.unusedFor].map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 90 * 86_400
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
            context.io.out(ReportOutput.json(report).rendered() + "\n")
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
            context.io.out("Over their issuer's policy: \(report.overPolicy.isEmpty ? "none" : "")\n")
            if !report.overPolicy.isEmpty {
                var table = Table(["  NAME", "EXPIRES", "ISSUER", "POLICY"])
                for entry in report.overPolicy {
                    table.append([
                        "  " + entry.credential.name, CredentialOutput.expiry(entry.credential, now: now), entry.credential.issuer ?? "-",
                        "at most \(entry.policy.maxLifetimeDuration) since \(PolicyOutput.since(entry.policy))",
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
            context.io.out("Rotations left half-way (pending versions, steps owed to issuers): \(report.rotationBacklog.isEmpty ? "none" : "")\n")
            if !report.rotationBacklog.isEmpty {
                var backlog = Table(["  NAME", "VERSION", "STATE", "WAITING"])
                for entry in report.rotationBacklog {
                    backlog.append(["  " + entry.name, String(entry.version), entry.state.rawValue, entry.waiting.map { "\($0)" } ?? "-"])
                }
                context.io.out(backlog.rendered())
            }
        }
        return report.hasRisks ? .warning : .ok
    }
}
