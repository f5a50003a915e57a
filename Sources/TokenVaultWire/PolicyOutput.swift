package import TokenVault
package import TokenVaultJSON

/// How issuer policies are shown: a table row, a JSON object; the inverse for the client.
package enum PolicyOutput {
    /// The table's columns.
    package static let tableHeaders = ["ISSUER", "MAX LIFETIME", "SINCE"]

    /// One table row: `xentral  180d  2026-12-01`.
    package static func tableRow(_ policy: IssuerPolicy) -> [String] {
        [policy.issuer, policy.maxLifetimeDuration, since(policy)]
    }

    /// `2026-12-01` (or the full time when it is not midnight UTC); `any time` for a policy that
    /// binds every token.
    package static func since(_ policy: IssuerPolicy) -> String {
        guard policy.since != 0 else { return "any time" }
        return policy.since % 86_400 == 0 ? TimeFormat.day(policy.since) : TimeFormat.iso8601(policy.since)
    }

    /// `{"issuer", "max_lifetime": "180d", "max_lifetime_seconds", "since": ISO 8601 or null}`.
    package static func json(_ policy: IssuerPolicy) -> JSON {
        .object([
            ("issuer", .string(policy.issuer)), ("max_lifetime", .string(policy.maxLifetimeDuration)),
            ("max_lifetime_seconds", .int(policy.maxLifetimeSeconds)), ("since", policy.since == 0 ? .null : .time(policy.since)),
        ])
    }

    /// The policy in ``json(_:)``'s form, or nil for `null`.
    ///
    /// - Throws: ``VaultError/Kind/failed`` for anything else.
    package static func policy(_ json: JSON?) throws(VaultError) -> IssuerPolicy? {
        guard let json, json != .null else { return nil }
        guard let issuer = json["issuer"]?.stringValue, let seconds = json["max_lifetime_seconds"]?.int64Value else {
            throw WireDecoding.malformed
        }
        var since: UnixTime = 0
        if let text = json["since"]?.stringValue {
            do { since = try TimeFormat.parseDate(text) } catch { throw WireDecoding.malformed }
        }
        return IssuerPolicy(issuer: issuer, maxLifetimeSeconds: seconds, since: since)
    }
}
