import TokenVault
internal import TokenVaultSystem

/// An iCalendar feed (RFC 5545) of credential expiry dates.
enum ICalendar {
    /// The feed: one all-day event per expiry date, with a display alarm 7 days before.
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
                "DESCRIPTION:"
                    + escape(
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
