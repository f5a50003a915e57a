internal import TokenVaultStore

/// The security admin's view of a vault, collected in memory: ``Vault/report(unusedFor:)``.
/// Holds no secret. For a vault too large to hold in memory,
/// ``Vault/report(unusedFor:listing:limit:overview:each:)`` streams the same findings.
public struct SecurityReport: Sendable {
    /// Live legacy tokens, and scoped ones whose scope is `*:*:crud`: unlimited rights.
    public let unlimited: [Credential]
    /// Live credentials that never expire.
    public let neverExpiring: [Credential]
    /// Expired but not revoked: still valid upstream, maybe.
    public let expiredNotRevoked: [Credential]
    /// Live credentials not used (fetched or verified) for the window, or never since creation.
    public let unused: [Credential]
    /// Denied attempts, by actor, most first.
    public let deniedByActor: [(actor: String, count: Int64, last: UnixTime)]
    /// Live credentials by the age of their current secret, oldest first (at most 10).
    public let oldestSecrets: [(credential: Credential, since: UnixTime)]
    /// Rotations left half-way: pending versions (a rotation interrupted before its test
    /// passed) and hook steps versions still owe their issuers (a rollback, a finish or a revoke
    /// that failed or waits), by credential name (its id once deleted) and version.
    public let rotationBacklog: [RotationBacklogEntry]
    /// Unrevoked credentials whose lifetime is longer than their issuer's policy allows
    /// (``IssuerPolicy/isBroken(legacy:createdAt:expiresAt:)``), with the policy.
    public let overPolicy: [(credential: Credential, policy: IssuerPolicy)]

    /// Whether any finding is a risk (unlimited, never-expiring, expired-not-revoked, unused,
    /// over an issuer's policy, or a step owed to an issuer that is due: a token the vault no
    /// longer holds may still work there). Denied attempts, secret ages and pending versions are
    /// for information.
    public var hasRisks: Bool {
        !(unlimited.isEmpty && neverExpiring.isEmpty && expiredNotRevoked.isEmpty && unused.isEmpty && overPolicy.isEmpty)
            || rotationBacklog.contains { $0.waiting?.isDue == true }
    }
}

extension ReportFlag {
    /// The flags that are risks: a report that finds any of them exits 1.
    public static let risks: [ReportFlag] = [.unlimited, .neverExpiring, .expiredNotRevoked, .unused]
}

extension ReportOverview {
    /// Whether any finding is a risk: a credential with a flag of ``ReportFlag/risks`` or over
    /// its issuer's policy, or a step owed to an issuer that is due (a token the vault no longer
    /// holds may still work there).
    public var hasRisks: Bool {
        ReportFlag.risks.contains { count(of: $0) > 0 } || !overPolicy.isEmpty || rotationBacklog.contains { $0.waiting?.isDue == true }
    }
}

extension Vault {
    /// Builds the admin report in memory.
    ///
    /// ```swift
    /// let report = try vault.report(unusedFor: 30 * 86_400)
    /// for credential in report.neverExpiring { print(credential.name) }
    /// ```
    ///
    /// - Parameter unusedFor: a credential not used for this many seconds (or never, and
    ///   created longer ago than that) is reported as unused.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a window that is not positive;
    ///   ``VaultError/Kind/denied`` for a principal that is not an admin;
    ///   ``VaultError/Kind/integrity`` when a stored row fails its check.
    public func report(unusedFor: Int64 = 90 * 86_400) throws(VaultError) -> SecurityReport {
        let sections: [ReportFlag] = [.unlimited, .neverExpiring, .expiredNotRevoked, .unused]
        var lists = [[Credential]](repeating: [], count: sections.count)
        var summary: ReportOverview?
        try report(unusedFor: unusedFor, listing: sections.map { .flag($0) }) {
            summary = $0
        } each: { index, item in
            lists[index].append(item.credential)
        }
        return SecurityReport(
            unlimited: lists[0], neverExpiring: lists[1], expiredNotRevoked: lists[2], unused: lists[3],
            deniedByActor: summary?.deniedByActor ?? [], oldestSecrets: summary?.oldestSecrets ?? [],
            rotationBacklog: summary?.rotationBacklog ?? [], overPolicy: summary?.overPolicy ?? []
        )
    }

    /// Streams the admin report: first `overview` with the counts, then `each` with the
    /// credentials of each of `listings` in turn (its index in `listings`), by name, one at a
    /// time. Memory stays flat whatever the number of credentials and events. Writes nothing.
    ///
    /// ```swift
    /// try vault.report(listing: [.flag(.neverExpiring)]) { overview in
    ///     print("\(overview.count(of: .neverExpiring)) never expire")
    /// } each: { _, item in
    ///     print(item.credential.name)
    /// }
    /// ```
    ///
    /// Everything is read in one snapshot. Every credential is checked (its row's MAC and
    /// freshness, as every read checks it) before `overview` is called, so a forged row fails
    /// the report before any part of it is given; a listing then reads the rows it needs again.
    /// The refusals come from an index of refused and failed events, not from the whole trail.
    ///
    /// - Parameters:
    ///   - unusedFor: the window of ``ReportFlag/unused``, in seconds (default 90 days).
    ///   - listings: the lists of credentials to stream after the overview, in order.
    ///   - limit: at most this many credentials of each listing (nil: all); the listing's
    ///     query stops there, so a page that shows the first rows does not read the rest.
    ///   - overview: called once, before any credential.
    ///   - each: called with the index of the listing in `listings` and each of its credentials.
    /// - Warning: the closures run while this `Vault` holds its connection. Calling the same
    ///   `Vault` from inside them deadlocks.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a window that is not positive;
    ///   ``VaultError/Kind/denied`` for a principal that is not an admin (audited);
    ///   ``VaultError/Kind/integrity`` when a stored row fails its check (audited); what the
    ///   closures throw, as a ``VaultError`` (another error becomes ``VaultError/Kind/failed``).
    ///
    /// Security: the report names credentials, issuers, actors and counts, never a secret.
    public func report(
        unusedFor: Int64 = 90 * 86_400, listing listings: [ReportListing], limit: Int? = nil,
        overview: (ReportOverview) throws -> Void, each: (Int, ReportedCredential) throws -> Void
    ) throws(VaultError) {
        guard unusedFor > 0 else { throw .invalid("the unused window must be positive") }
        try requireAdmin()
        try reading { db, now in
            let authenticator = stateAuthenticator
            var tally = ReportTally(now: now, unusedFor: unusedFor)
            var policies = PolicyLookup()
            var overPolicy: [(credential: Credential, policy: IssuerPolicy)] = []
            try CredentialRecords.forEachInStorageOrder(db, authenticator) { loaded in
                let flags = ReportFlag.flags(of: loaded.credential, at: now, unusedFor: unusedFor)
                tally.add(loaded.credential, flags: flags)
                if let policy = try policies.breach(of: loaded, db, authenticator) { overPolicy.append((loaded.credential, policy)) }
            }
            let backlog = try Self.rotationBacklog(db, authenticator, now: now)
            try overview(
                ReportOverview(
                    generatedAt: now, unusedFor: unusedFor, credentialCount: tally.credentialCount, issuers: tally.issuerInventory,
                    flagCounts: tally.flags, expiry: tally.expiry, attempts: try Self.attempts(db, now: now),
                    deniedByActor: try AuditEventTable.deniedByActor(db), oldestSecrets: try Self.oldestSecrets(db, authenticator),
                    rotation: tally.rotation, rotationBacklog: backlog, overPolicy: overPolicy,
                    trail: try Self.trail(db)
                ))
            for (index, listing) in listings.enumerated() {
                try stream(listing, limit: limit, now: now, unusedFor: unusedFor, db) { try each(index, $0) }
            }
        }
    }

    /// Streams the credentials of `listing` (at most `limit`) to `each`, by name.
    private func stream(
        _ listing: ReportListing, limit: Int?, now: UnixTime, unusedFor: Int64, _ db: Connection,
        _ each: (ReportedCredential) throws -> Void
    ) throws {
        let authenticator = stateAuthenticator
        var listed = 0
        do {
            try CredentialRecords.forEach(candidatesFor: listing, now: now, unusedFor: unusedFor, db, authenticator) { loaded in
                let flags = ReportFlag.flags(of: loaded.credential, at: now, unusedFor: unusedFor)
                let belongs: Bool
                switch listing {
                case .flag(let flag): belongs = flags.contains(flag)
                case .flagged: belongs = !flags.isEmpty
                case .tested: belongs = loaded.credential.revokedAt == nil && loaded.credential.lastTest != nil
                }
                guard belongs else { return }
                try each(ReportedCredential(credential: loaded.credential, flags: flags))
                listed += 1
                if let limit, listed >= limit { throw ListingLimitReached() }
            }
        } catch is ListingLimitReached {
            return
        }
    }

    /// Thrown to stop a listing's query at its limit.
    private struct ListingLimitReached: Error {}

    /// Refused and failed events per day over the last ``AttemptHistory/days`` days.
    private static func attempts(_ db: Connection, now: UnixTime) throws -> AttemptHistory {
        let today = now / 86_400
        let first = today - Int64(AttemptHistory.days) + 1
        let since = first * 86_400
        var counted: [Int64: (refused: Int64, failed: Int64)] = [:]
        for entry in try AuditEventTable.attemptsPerDay(db, since: since) { counted[entry.day] = (entry.refused, entry.failed) }
        let days = (first...today).map { day in
            AttemptHistory.Day(start: day * 86_400, refused: counted[day]?.refused ?? 0, failed: counted[day]?.failed ?? 0)
        }
        return AttemptHistory(
            perDay: days,
            topCredentials: try AuditEventTable.topAttemptCredentials(db, since: since, limit: 10).map { .init(name: $0.name, count: $0.count) },
            topActors: try AuditEventTable.topAttemptActors(db, since: since, limit: 10).map { .init(name: $0.name, count: $0.count) }
        )
    }

    /// The ten unrevoked credentials whose current secret is oldest, each checked.
    private static func oldestSecrets(
        _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> [(credential: Credential, since: UnixTime)] {
        var ages: [(credential: Credential, since: UnixTime)] = []
        for name in try CredentialTable.namesWithOldestSecrets(db) {
            // The age shown is the checked version's, not the joined row's.
            guard let name, let found = try CredentialRecords.live(named: name, db, authenticator), found.credential.revokedAt == nil,
                let current = try SecretVersions.readCurrent(of: found, db, authenticator)
            else { continue }
            ages.append((found.credential, current.createdAt))
        }
        return ages
    }

    /// Rotations left half-way: every pending version, and every version that owes its issuer
    /// a hook step, each credential's rows checked.
    private static func rotationBacklog(
        _ db: Connection, _ authenticator: StateAuthenticator, now: UnixTime
    ) throws -> [RotationBacklogEntry] {
        var backlog: [RotationBacklogEntry] = []
        for rowID in try SecretVersionTable.credentialsWithBacklog(db) {
            guard let snapshot = try CredentialSnapshot.load(rowID: rowID, db, authenticator) else { continue }
            for version in snapshot.versions {
                guard let state = version.versionState, state == .pending || version.upstream.owed != nil else { continue }
                backlog.append(
                    RotationBacklogEntry(
                        name: snapshot.credential.label, version: Int(version.version), state: state, waiting: version.waitingStep(at: now)
                    ))
            }
        }
        return backlog
    }

    /// The trail's length and last seal.
    private static func trail(_ db: Connection) throws -> TrailSummary {
        TrailSummary(
            eventCount: try AuditEventTable.lastSequence(db) ?? 0,
            lastSeal: try AuditEventTable.lastSeal(db).map { TrailSummary.Seal(sequence: $0.seq, time: $0.at) }
        )
    }
}
