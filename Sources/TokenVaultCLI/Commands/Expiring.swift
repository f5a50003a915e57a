import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem
import TokenVaultWire

/// `tokenvault expiring`: what expires soon, with an exit status for monitors.
struct ExpiringCommand: VaultCommand {
    /// The options of `expiring`.
    enum Option: String, OptionKey {
        case within, critical, ics, notify

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .within: .value("DURATION", "Warning window (default 60d)")
            case .critical: .value("DURATION", "Critical window (default 7d)")
            case .notify: .value("CMD", "Run CMD once per due credential, its metadata (never a secret) in TOKENVAULT_* variables")
            case .ics: .flag("Print an iCalendar (RFC 5545) feed of the expiry dates instead (takes precedence over --json)")
            }
        }
    }

    /// The help, arguments and exit codes of `expiring`.
    static let configuration = CommandConfiguration(
        name: "expiring",
        abstract: "List expired, expiring and never-expiring credentials, with an exit code for monitors",
        discussion: """
            Lists live credentials that are expired, expire within --within (default 60d, as GitLab's
            60/30/7-day warnings; the NOTICE column says which of those levels each one is within),
            or never expire (flagged; they do not change the exit status). Each gets a status:
            expired, critical (expires within --critical, default 7d), warning (within --within) or
            never. A token whose lifetime is longer than its issuer's policy allows (see `policy set`)
            is flagged over-policy, with a line naming the policy under the table (in JSON:
            "over_policy": true and the "policy"). --ics prints an iCalendar feed instead (one all-day event per expiry, with a
            reminder 7 days before, never-expiring ones left out; every expiry unless --within is
            given), for a team calendar, and exits 0 once written. --notify CMD runs CMD (with /bin/sh)
            once per due credential, with TOKENVAULT_NAME, _CREDENTIAL_ID, _STATUS, _EXPIRES_AT,
            _SECONDS_LEFT, _NOTICE_DAYS, _ISSUER and _API_URL in its environment and never a secret,
            for mail, chat or a webhook; a failed notification is a warning on standard error and does
            not change the exit status. Not audited.

            The exit status is meant for monitors: 0, 1 or 2 by the most urgent status found, and 3
            (UNKNOWN, as monitoring plugins say) when expiring could not tell: a bad option, no vault,
            a wrong key, a damaged vault, a service that does not answer. The error line is on
            standard error.
            """,
        examples: [
            "tokenvault expiring --within 14d --critical 3d || notify-team",
            "tokenvault expiring --within 365d --ics > tokens.ics",
            "tokenvault expiring --within 30d --notify 'mail -s \"token $TOKENVAULT_NAME: $TOKENVAULT_STATUS\" ops@example.com < /dev/null'",
        ],
        exitCodes: [
            .ok("ok: nothing is expired, critical or within --within"),
            .code(1, "warning: something expires within --within"),
            .code(2, "critical: something is expired or expires within --critical"),
            .code(3, "unknown: expiring could not tell (any failure: a bad option, no vault, a wrong key, …)"),
            .ok("--ics: the feed was written"),
        ],
        failureStatus: ExitStatus(code: 3),
        withServer: .client
    )

    /// Runs `tokenvault expiring`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        // The feed holds every expiry unless a window is given; the monitor's window is 60 days.
        let everything: Int64 = 99 * 365 * 86_400  // the longest duration the API takes is 100 years
        let within =
            try arguments[.within].map { text throws(VaultError) in try TimeFormat.parseDuration(text) }
            ?? (arguments.contains(.ics) ? everything : 60 * 86_400)
        let critical = try arguments[.critical].map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 7 * 86_400
        let vault = try context.access()
        let entries = try vault.expiring(within: within, critical: critical)
        let now = vault.now
        let status: ExitStatus =
            entries.contains { $0.status == .expired || $0.status == .critical }
            ? ExitStatus(code: 2)
            : entries.contains { $0.status == .warning } ? .warning : .ok
        if let command = arguments[.notify] {
            _ = ExpiryNotification.notify(command, of: entries, io: context.io)
        }
        if arguments.contains(.ics) {
            // A feed is a file for a calendar, not a monitor's answer: written, it is a success.
            context.io.out(ICalendar.feed(entries.filter { $0.status != .never }, now: now))
            return .ok
        } else if context.json {
            context.io.out(CredentialOutput.expiringJSON(entries).rendered() + "\n")
        } else {
            var table = Table(["NAME", "STATUS", "NOTICE", "EXPIRES", "ISSUER", "FLAGS"])
            for entry in entries {
                let notice = entry.noticeDays.map { $0 == 0 ? "expired" : "\($0)d" } ?? "-"
                table.append([
                    entry.credential.name, entry.status.rawValue, notice, CredentialOutput.expiry(entry.credential, now: now),
                    entry.credential.issuer ?? "-", CredentialOutput.flags(entry.credential, overPolicy: entry.overPolicy),
                ])
            }
            context.io.out(entries.isEmpty ? "nothing expires within \(TimeFormat.humanDuration(within))\n" : table.rendered())
            for entry in entries {
                if let policy = entry.overPolicy { context.io.out(Table.clean("over-policy: \(entry.credential.name): \(policy)") + "\n") }
            }
        }
        return status
    }
}
