/// The admin report's counts: what the vault holds, what expires when, what was refused,
/// what rotation waits for, and the trail. Its size does not grow with the number of
/// credentials or events (the long lists are streamed, see ``ReportListing``). Holds no secret.
///
/// ```swift
/// try vault.report(listing: []) { overview in
///     print("\(overview.credentialCount) credentials, \(overview.expiry.expired) expired")
/// } each: { _, _ in }
/// ```
public struct ReportOverview: Sendable {
    /// The time the report was made at (the vault's clock), which every window counts from.
    public let generatedAt: UnixTime
    /// The window of ``ReportFlag/unused``, in seconds.
    public let unusedFor: Int64
    /// Live (not deleted) credentials, revoked ones included.
    public let credentialCount: Int
    /// The credentials by issuer, most first (a credential without an issuer under nil).
    public let issuers: [IssuerInventory]
    /// How many credentials have each flag, in the order of ``ReportFlag/allCases`` (zeros included).
    public let flagCounts: [FlagCount]
    /// Unrevoked credentials by when they expire.
    public let expiry: ExpiryTimeline
    /// Refused and failed attempts per day, with who and what they were for.
    public let attempts: AttemptHistory
    /// Refusals over the whole trail, by actor, most first.
    public let deniedByActor: [(actor: String, count: Int64, last: UnixTime)]
    /// Unrevoked credentials by the age of their current secret, oldest first (at most 10).
    public let oldestSecrets: [(credential: Credential, since: UnixTime)]
    /// Connection tests, and how many versions are pending.
    public let rotation: RotationSummary
    /// Rotations left half-way: pending versions (a rotation interrupted before its test
    /// passed) and hook steps versions still owe their issuers (a rollback, a finish or a revoke
    /// that failed or waits), by credential name (its id once deleted) and version.
    public let rotationBacklog: [RotationBacklogEntry]
    /// Unrevoked credentials whose lifetime is longer than their issuer's policy allows, with
    /// the policy, in storage order (few: a policy refuses them from the day it applies).
    public let overPolicy: [(credential: Credential, policy: IssuerPolicy)]
    /// The audit trail's length and last seal (whether it verifies is ``Vault/verifyAuditTrail()``'s answer).
    public let trail: TrailSummary

    /// How many credentials have at least one flag (what ``ReportListing/flagged`` lists).
    public var flaggedCount: Int { issuers.reduce(0) { $0 + $1.flagged } }

    /// How many credentials have `flag`.
    public func count(of flag: ReportFlag) -> Int {
        flagCounts.first { $0.flag == flag }?.count ?? 0
    }
}

/// One flag and how many credentials have it.
public struct FlagCount: Sendable, Hashable {
    public let flag: ReportFlag
    public let count: Int
}

/// The credentials of one issuer, by state.
public struct IssuerInventory: Sendable, Hashable {
    /// The issuer; nil for credentials without one.
    public let issuer: String?
    public let active: Int
    public let expired: Int
    public let revoked: Int
    /// How many of them have at least one flag.
    public let flagged: Int

    package init(issuer: String?, active: Int, expired: Int, revoked: Int, flagged: Int) {
        self.issuer = issuer
        self.active = active
        self.expired = expired
        self.revoked = revoked
        self.flagged = flagged
    }

    /// Every credential of the issuer.
    public var total: Int { active + expired + revoked }
}

/// Unrevoked credentials by when they expire, counted in whole days from the report's time.
public struct ExpiryTimeline: Sendable, Hashable {
    /// How many days ahead ``perDay`` counts (180).
    public static let horizonDays = 180
    /// The notice levels of GitLab's expiry mails, in days: within 7, 30 and 60 days.
    public static let bandDays = [7, 30, 60]

    /// Expired but not revoked.
    public let expired: Int
    /// `perDay[d]`: expiring at least `d` and less than `d + 1` days from now, for `d` below
    /// ``horizonDays``.
    public let perDay: [Int]
    /// Expiring ``horizonDays`` days from now or later.
    public let later: Int
    /// Never expiring.
    public let never: Int

    /// Expiring within `days` days from now (not the expired).
    public func expiring(within days: Int) -> Int {
        perDay.prefix(max(0, days)).reduce(0, +)
    }
}

/// Refused (`denied`) and failed (`error`) events per day over the last days, and the
/// credentials and actors they were most for.
public struct AttemptHistory: Sendable, Hashable {
    /// How many days back the history goes (90), the report's day included.
    public static let days = 90

    /// One UTC day.
    public struct Day: Sendable, Hashable {
        /// The day's first second (UTC).
        public let start: UnixTime
        public let refused: Int64
        public let failed: Int64
    }

    /// One name and how many of the window's refused and failed events named it.
    public struct Ranked: Sendable, Hashable {
        public let name: String
        public let count: Int64
    }

    /// ``days`` days, oldest first, the report's day last.
    public let perDay: [Day]
    /// The credential names the window's refused and failed events named most, most first (at most 10).
    public let topCredentials: [Ranked]
    /// The actors of the window's refused and failed events, most first (at most 10).
    public let topActors: [Ranked]

    /// Refused events in the window.
    public var refused: Int64 { perDay.reduce(0) { $0 + $1.refused } }
    /// Failed events in the window.
    public var failed: Int64 { perDay.reduce(0) { $0 + $1.failed } }
}

/// The connection tests of the unrevoked credentials.
public struct RotationSummary: Sendable, Hashable {
    /// Whose last connection test passed.
    public let testsPassed: Int
    /// Whose last connection test failed.
    public let testsFailed: Int
    /// Never tested.
    public let untested: Int
    /// Tested: how many credentials ``ReportListing/tested`` lists.
    public var tested: Int { testsPassed + testsFailed }
}

/// The audit trail's length and its last seal.
public struct TrailSummary: Sendable, Hashable {
    /// The last seal: its event, its time, and how many events it covers (itself included).
    public struct Seal: Sendable, Hashable {
        public let sequence: Int64
        public let time: UnixTime
        /// The events the seal signs: every event up to and including its own.
        public var coveredEvents: Int64 { sequence }
    }

    /// Events in the trail (the last event's sequence number).
    public let eventCount: Int64
    /// The newest `seal` event, or nil when the trail was never sealed.
    public let lastSeal: Seal?

    /// Events appended after the last seal (all of them when there is none).
    public var eventsAfterSeal: Int64 { eventCount - (lastSeal?.sequence ?? 0) }
}
