import TokenVault
internal import TokenVaultSystem

struct ExpiringCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "expiring",
        abstract: "List expired, expiring and never-expiring credentials, with an exit code for monitors",
        usage: "expiring [--within 60d] [--critical 7d] [--ics]",
        discussion: """
            Lists live credentials that are expired, expire within --within (default 60d, as GitLab's
            60/30/7-day warnings; the NOTICE column says which of those levels each one is within),
            or never expire (flagged; they do not change the exit code).
            Exit 0: nothing due. Exit 1: something expires within --within. Exit 2: something is expired
            or expires within --critical (default 7d). --ics prints an iCalendar feed instead (one
            all-day event per expiry, with a reminder 7 days before), for a team calendar.
            """,
        options: [
            .value("within", "DURATION", "Warning window (default 60d)"),
            .value("critical", "DURATION", "Critical window (default 7d)"),
            .flag("ics", "Print an iCalendar (RFC 5545) feed of the expiry dates"),
        ],
        examples: [
            "tokenvault expiring --within 14d --critical 3d || notify-team",
            "tokenvault expiring --within 365d --ics > tokens.ics",
        ]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let within = try arguments.value("within").map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 60 * 86_400
        let critical = try arguments.value("critical").map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 7 * 86_400
        let vault = try context.openVault()
        let entries = try vault.expiring(within: within, critical: critical)
        let now = vault.configuration.clock.now
        let status: ExitStatus =
            entries.contains { $0.status == .expired || $0.status == .critical } ? ExitStatus(code: 2)
            : entries.contains { $0.status == .warning } ? .warning : .ok
        if arguments.flag("ics") {
            context.io.out(ICalendar.feed(entries.filter { $0.status != .never }, now: now))
        } else if context.json {
            context.io.out(JSON.array(entries.map { entry in
                .object([
                    ("name", .string(entry.credential.name)), ("status", .string(entry.status.rawValue)),
                    ("expires_at", .time(entry.credential.expiresAt)),
                    ("seconds_left", entry.secondsLeft.map(JSON.int) ?? .null),
                    ("notice_days", .int(entry.noticeDays)),
                    ("legacy", .bool(entry.credential.isLegacy)), ("issuer", .optional(entry.credential.issuer)),
                ])
            }).rendered() + "\n")
        } else {
            var table = Table(["NAME", "STATUS", "NOTICE", "EXPIRES", "ISSUER", "FLAGS"])
            for entry in entries {
                let notice = entry.noticeDays.map { $0 == 0 ? "expired" : "\($0)d" } ?? "-"
                table.append([
                    entry.credential.name, entry.status.rawValue, notice, CredentialOutput.expiry(entry.credential, now: now),
                    entry.credential.issuer ?? "-", CredentialOutput.flags(entry.credential),
                ])
            }
            context.io.out(entries.isEmpty ? "nothing expires within \(TimeFormat.humanDuration(within))\n" : table.rendered())
        }
        return status
    }
}

/// An iCalendar feed (RFC 5545) of credential expiry dates.
enum ICalendar {
    static func feed(_ entries: [ExpiringCredential], now: UnixTime) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//TokenVault//tokenvault \(CLI.version)//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
        let stamp = compact(TimeFormat.iso8601(now))
        for entry in entries {
            guard let expiresAt = entry.credential.expiresAt else { continue }
            let day = TimeFormat.day(expiresAt).filter { $0 != "-" }
            let next = TimeFormat.day(expiresAt + 86_400).filter { $0 != "-" }
            lines += [
                "BEGIN:VEVENT",
                "UID:\(entry.credential.id)-v\(entry.credential.currentVersion ?? 0)@tokenvault",
                "DTSTAMP:\(stamp)",
                "DTSTART;VALUE=DATE:\(day)",
                "DTEND;VALUE=DATE:\(next)",
                "SUMMARY:" + escape("Token '\(entry.credential.name)' expires"),
                "DESCRIPTION:" + escape(
                    "Credential \(entry.credential.name) (\(entry.credential.id)) expires at \(TimeFormat.iso8601(expiresAt))."
                        + (entry.credential.issuer.map { " Issuer: \($0)." } ?? "") + " Rotate it with tokenvault rotate."
                ),
                "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:" + escape("Token '\(entry.credential.name)' expires in 7 days"),
                "TRIGGER:-P7D", "END:VALARM",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `2027-03-01T12:00:00Z` → `20270301T120000Z`.
    private static func compact(_ iso: String) -> String {
        String(iso.filter { $0 != "-" && $0 != ":" })
    }

    /// TEXT escaping (RFC 5545 §3.3.11) of text cleaned as everywhere (``DisplayText``): backslash,
    /// semicolon and comma.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in DisplayText.clean(text) {
            switch character {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Folds a content line at 75 octets, continuing with CRLF and a space (RFC 5545 §3.1),
    /// never inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var out = ""
        var octets = 0
        for character in line {
            let size = character.utf8.count
            if octets + size > 75 {
                out += "\r\n "
                octets = 1
            }
            out.append(character)
            octets += size
        }
        return out
    }
}
