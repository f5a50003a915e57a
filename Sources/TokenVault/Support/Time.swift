internal import TokenVaultSystem

/// A point in time as whole seconds since 1970-01-01T00:00:00Z.
///
/// TokenVault stores and compares times as Unix seconds: expiry granularity finer than a
/// second has no use here, and integers sort and index cheaply in SQLite.
public typealias UnixTime = Int64

/// Where a vault reads the current time. Tests inject a fixed or movable clock.
///
/// ```swift
/// let vault = try Vault.open(at: path, key: key, configuration: .init(clock: .fixed(1_800_000_000)))
/// ```
public struct VaultClock: Sendable {
    private let read: @Sendable () -> UnixTime

    /// A clock that calls `now` each time the vault needs the time.
    public init(_ now: @escaping @Sendable () -> UnixTime) { read = now }

    /// The current time.
    public var now: UnixTime { read() }

    /// The system's real-time clock.
    public static let system = VaultClock {
        SystemClock.now
    }

    /// A clock stopped at `time`.
    public static func fixed(_ time: UnixTime) -> VaultClock { VaultClock { time } }
}

/// Parsing and formatting of the CLI's durations (`30m`, `12h`, `90d`) and ISO 8601 dates.
public enum TimeFormat {
    /// The longest duration accepted anywhere: 100 years.
    public static let maximumDuration: Int64 = 100 * 366 * 86_400

    /// Seconds in a duration such as `45s`, `30m`, `12h`, `90d` or `2w`.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for anything else, zero, or more than 100 years.
    public static func parseDuration(_ text: String) throws(VaultError) -> Int64 {
        let bad = VaultError.invalid(
            "invalid duration '\(printable(text))': use a whole number and a unit, as in 30m, 12h, 90d or 2w"
        )
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 12, let unit = utf8.last else { throw bad }
        let multiplier: Int64
        switch unit {
        case UInt8(ascii: "s"): multiplier = 1
        case UInt8(ascii: "m"): multiplier = 60
        case UInt8(ascii: "h"): multiplier = 3_600
        case UInt8(ascii: "d"): multiplier = 86_400
        case UInt8(ascii: "w"): multiplier = 7 * 86_400
        default: throw bad
        }
        guard let count = parseDigits(utf8.dropLast()), count > 0 else { throw bad }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow, seconds <= maximumDuration else {
            throw .invalid("invalid duration '\(printable(text))': longer than 100 years")
        }
        return seconds
    }

    /// Parses `2027-03-01` (midnight UTC), `2027-03-01T12:00:00Z` or `2027-03-01T12:00:00+02:00`.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for other forms or impossible dates.
    public static func parseDate(_ text: String) throws(VaultError) -> UnixTime {
        let bad = VaultError.invalid(
            "invalid date '\(printable(text))': use ISO 8601, as in 2027-03-01 or 2027-03-01T12:00:00Z"
        )
        let c = Array(text.utf8)
        func number(_ range: Range<Int>) throws(VaultError) -> Int64 {
            guard range.upperBound <= c.count, let value = parseDigits(c[range]) else { throw bad }
            return value
        }
        func expect(_ index: Int, _ character: Character) throws(VaultError) {
            guard index < c.count, c[index] == character.asciiValue else { throw bad }
        }
        guard c.count == 10 || c.count == 20 || c.count == 25 else { throw bad }
        let year = try number(0..<4)
        try expect(4, "-")
        let month = try number(5..<7)
        try expect(7, "-")
        let day = try number(8..<10)
        guard (1970...9999).contains(year), (1...12).contains(month),
            (1...daysInMonth(year: year, month: month)).contains(day)
        else { throw bad }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        guard c.count > 10 else { return seconds }
        guard c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: " ") else { throw bad }
        let hour = try number(11..<13)
        try expect(13, ":")
        let minute = try number(14..<16)
        try expect(16, ":")
        let second = try number(17..<19)
        guard hour < 24, minute < 60, second < 60 else { throw bad }
        seconds += hour * 3_600 + minute * 60 + second
        if c.count == 20 {
            try expect(19, "Z")
            return seconds
        }
        guard c[19] == UInt8(ascii: "+") || c[19] == UInt8(ascii: "-") else { throw bad }
        let offsetHours = try number(20..<22)
        try expect(22, ":")
        let offsetMinutes = try number(23..<25)
        guard offsetHours < 24, offsetMinutes < 60 else { throw bad }
        let offset = offsetHours * 3_600 + offsetMinutes * 60
        return c[19] == UInt8(ascii: "+") ? seconds - offset : seconds + offset
    }

    /// `2027-03-01T12:00:00Z`.
    public static func iso8601(_ time: UnixTime) -> String {
        let (year, month, day, seconds) = civil(time)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3_600, 2)):"
            + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))Z"
    }

    /// `2027-03-01`.
    package static func day(_ time: UnixTime) -> String {
        let (year, month, day, _) = civil(time)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// A short human duration: `45s`, `12m`, `5h`, `3d`.
    package static func humanDuration(_ seconds: Int64) -> String {
        let magnitude = abs(seconds)
        switch magnitude {
        case ..<60: return "\(magnitude)s"
        case ..<3_600: return "\(magnitude / 60)m"
        case ..<86_400: return "\(magnitude / 3_600)h"
        default: return "\(magnitude / 86_400)d"
        }
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, UTC; Howard Hinnant's algorithms)

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(_ time: UnixTime) -> (Int64, Int64, Int64, Int64) {
        let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        let secondsOfDay = time - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondsOfDay)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func parseDigits(_ digits: some Collection<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
