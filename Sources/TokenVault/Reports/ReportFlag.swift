/// A finding the admin report makes about one unrevoked credential.
///
/// ```swift
/// let flags = ReportFlag.flags(of: credential, at: vault.configuration.clock.now, unusedFor: 90 * 86_400)
/// if flags.contains(.neverExpiring) { print("\(credential.name) never expires") }
/// ```
///
/// A credential has a list of flags, in the order of ``allCases``; a new kind of finding is a
/// new case here and a test in ``flags(of:at:unusedFor:)``, and every rendering of the report
/// (text, JSON, HTML) shows it by its ``rawValue`` and ``title``.
public enum ReportFlag: String, Sendable, CaseIterable {
    /// A legacy token: unlimited rights and no expiry, as old ERP PATs.
    case legacy
    /// Unlimited rights: a legacy token, or a scope that includes `*:*:crud`.
    case unlimited
    /// No expiry.
    case neverExpiring = "never_expiring"
    /// Its expiry has passed but it was not revoked: still valid upstream, maybe.
    case expiredNotRevoked = "expired_not_revoked"
    /// Not used (fetched or verified) for the report's window, or never since its creation
    /// that long ago.
    case unused

    /// A short heading for the flag, for people.
    public var title: String {
        switch self {
        case .legacy: "Legacy"
        case .unlimited: "Unlimited rights"
        case .neverExpiring: "Never expires"
        case .expiredNotRevoked: "Expired, not revoked"
        case .unused: "Unused"
        }
    }

    /// The flags of `credential` at `now`, in the order of ``allCases``; none for a revoked one.
    ///
    /// - Parameter unusedFor: a credential whose last use (or, never used, its creation) is at
    ///   least this many seconds before `now` is ``unused``.
    public static func flags(of credential: Credential, at now: UnixTime, unusedFor: Int64) -> [ReportFlag] {
        guard credential.revokedAt == nil else { return [] }
        var flags: [ReportFlag] = []
        if credential.isLegacy { flags.append(.legacy) }
        if credential.isLegacy || credential.scope.isUnlimited { flags.append(.unlimited) }
        if credential.neverExpires { flags.append(.neverExpiring) }
        if credential.state(at: now) == .expired { flags.append(.expiredNotRevoked) }
        if (credential.lastUsedAt ?? credential.createdAt) <= now - unusedFor { flags.append(.unused) }
        return flags
    }
}
