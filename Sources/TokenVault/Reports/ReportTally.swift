/// The counts of ``ReportOverview`` that come from the credentials, added up one credential at
/// a time as they stream by: memory for the issuers and the days, none per credential.
struct ReportTally {
    let now: UnixTime
    let unusedFor: Int64
    private(set) var credentialCount = 0
    private var issuers: [String?: (active: Int, expired: Int, revoked: Int, flagged: Int)] = [:]
    private var flagCounts = [Int](repeating: 0, count: ReportFlag.allCases.count)
    private var expired = 0
    private var perDay = [Int](repeating: 0, count: ExpiryTimeline.horizonDays)
    private var later = 0
    private var never = 0
    private var testsPassed = 0
    private var testsFailed = 0
    private var untested = 0

    init(now: UnixTime, unusedFor: Int64) {
        self.now = now
        self.unusedFor = unusedFor
    }

    /// Counts one live credential, with its flags.
    mutating func add(_ credential: Credential, flags: [ReportFlag]) {
        credentialCount += 1
        var issuer = issuers[credential.issuer] ?? (0, 0, 0, 0)
        switch credential.state(at: now) {
        case .active: issuer.active += 1
        case .expired: issuer.expired += 1
        case .revoked: issuer.revoked += 1
        }
        if !flags.isEmpty { issuer.flagged += 1 }
        issuers[credential.issuer] = issuer
        for flag in flags { flagCounts[ReportFlag.allCases.firstIndex(of: flag)!] += 1 }
        guard credential.revokedAt == nil else { return }
        if let expiresAt = credential.expiresAt {
            if expiresAt <= now {
                expired += 1
            } else {
                let day = (expiresAt - now) / 86_400
                if day < Int64(ExpiryTimeline.horizonDays) { perDay[Int(day)] += 1 } else { later += 1 }
            }
        } else {
            never += 1
        }
        switch credential.lastTest?.passed {
        case true?: testsPassed += 1
        case false?: testsFailed += 1
        case nil: untested += 1
        }
    }

    /// The issuers, most credentials first, then by name (no issuer last among equals).
    var issuerInventory: [IssuerInventory] {
        let inventory = issuers.map { issuer, counts in
            IssuerInventory(issuer: issuer, active: counts.active, expired: counts.expired, revoked: counts.revoked, flagged: counts.flagged)
        }
        return inventory.sorted { a, b in
            if a.total != b.total { return a.total > b.total }
            if (a.issuer == nil) != (b.issuer == nil) { return b.issuer == nil }
            return (a.issuer ?? "") < (b.issuer ?? "")
        }
    }

    var flags: [FlagCount] {
        zip(ReportFlag.allCases, flagCounts).map { FlagCount(flag: $0, count: $1) }
    }

    var expiry: ExpiryTimeline {
        ExpiryTimeline(expired: expired, perDay: perDay, later: later, never: never)
    }

    var rotation: RotationSummary {
        RotationSummary(testsPassed: testsPassed, testsFailed: testsFailed, untested: untested)
    }
}
