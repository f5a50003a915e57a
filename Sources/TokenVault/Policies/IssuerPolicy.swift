/// The longest lifetime an issuer allows the non-legacy tokens it creates on or after a date:
/// the ERP's rule that every token made since December 2026 expires at most 180 days after its
/// creation, kept by the vault so that `add`, `issue`, `edit` and `rotate` refuse what the issuer
/// would, and `report` and `expiring` flag the tokens that break it.
///
/// ```swift
/// let policy = try vault.setIssuerPolicy("xentral", maxLifetime: 180 * 86_400, since: try TimeFormat.parseDate("2026-12-01"))
/// policy.isBroken(legacy: false, createdAt: now, expiresAt: now + 365 * 86_400)  // true
/// ```
///
/// Issuers are matched without regard to ASCII case: the policy of `xentral` covers tokens whose
/// issuer is `Xentral` or `XENTRAL`. A policy's ``issuer`` is stored in lower case.
///
/// Security: a policy is authenticated state, checked against the audit trail where it is read;
/// a policy row edited, deleted or restored by someone without the key is refused (integrity).
public struct IssuerPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(issuer: String, maxLifetimeSeconds: Int64, since: UnixTime) {
        self.issuer = issuer
        self.maxLifetimeSeconds = maxLifetimeSeconds
        self.since = since
    }

    /// The issuer, in lower case (``key(of:)``).
    public let issuer: String
    /// The longest lifetime allowed, from a token's creation to its expiry, in seconds.
    public let maxLifetimeSeconds: Int64
    /// Tokens created (or rotated) before this time are not bound by the policy; 0 for every token.
    public let since: UnixTime

    /// The rule a new vault starts with: the ERP's, `xentral`, 180 days, since 2026-12-01 (UTC).
    public static let erpDefault = IssuerPolicy(
        issuer: "xentral", maxLifetimeSeconds: 180 * 86_400, since: TimeFormat.daysFromCivil(year: 2026, month: 12, day: 1) * 86_400
    )

    /// The form an issuer is matched and stored in: ASCII letters in lower case, anything else
    /// as it is.
    ///
    /// ```swift
    /// IssuerPolicy.key(of: "Xentral")  // "xentral"
    /// ```
    public static func key(of issuer: String) -> String {
        String(decoding: issuer.utf8.map { UInt8(ascii: "A")...UInt8(ascii: "Z") ~= $0 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Whether a token of this policy's issuer breaks it: not legacy, created (or rotated) at
    /// `createdAt`, on or after ``since``, and expiring later than ``maxLifetimeSeconds`` after
    /// that, or never. The one decision every write path and every flag uses.
    ///
    /// - Parameters:
    ///   - legacy: whether the token is a legacy one (never bound).
    ///   - createdAt: when the token's current secret was created (or is being created).
    ///   - expiresAt: its expiry; nil for never.
    /// - Returns: true when the policy refuses such a token.
    public func isBroken(legacy: Bool, createdAt: UnixTime, expiresAt: UnixTime?) -> Bool {
        guard !legacy, createdAt >= since else { return false }
        guard let expiresAt else { return true }
        return expiresAt - createdAt > maxLifetimeSeconds
    }

    /// `180 days`, `12 hours`, `90 minutes`, `45 seconds`.
    public var maxLifetimeText: String {
        let (count, unit) = Self.largestUnit(maxLifetimeSeconds)
        return "\(count) \(unit.word)\(count == 1 ? "" : "s")"
    }

    /// The longest lifetime as a duration the CLI takes: `180d`, `12h`, `90m`, `45s`.
    public var maxLifetimeDuration: String {
        let (count, unit) = Self.largestUnit(maxLifetimeSeconds)
        return "\(count)\(unit.letter)"
    }

    /// `issuer 'xentral' allows at most 180 days since 2026-12-01`.
    public var description: String {
        let from = since == 0 ? "" : " since " + (since % 86_400 == 0 ? TimeFormat.day(since) : TimeFormat.iso8601(since))
        return "issuer '\(printable(issuer))' allows at most \(maxLifetimeText)\(from)"
    }

    private static func largestUnit(_ seconds: Int64) -> (Int64, (word: String, letter: String)) {
        for (size, unit) in [(Int64(86_400), ("day", "d")), (3_600, ("hour", "h")), (60, ("minute", "m"))] where seconds % size == 0 {
            return (seconds / size, unit)
        }
        return (seconds, ("second", "s"))
    }
}
