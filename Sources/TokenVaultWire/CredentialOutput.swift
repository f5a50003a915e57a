package import TokenVault
package import TokenVaultJSON

/// How credentials are shown in text and JSON. One place, used by add, issue, list, show, verify.
package enum CredentialOutput {
    /// The credential object of `--json` (docs/cli.md, section 6), its state at `now`.
    package static func json(_ credential: Credential, now: UnixTime) -> JSON {
        .object([
            ("id", .string(credential.id)),
            ("name", .string(credential.name)),
            ("kind", .string(credential.kind.rawValue)),
            ("state", .string(credential.state(at: now).rawValue)),
            ("legacy", .bool(credential.isLegacy)),
            ("unlimited", .bool(credential.scope.isUnlimited)),
            ("never_expires", .bool(credential.neverExpires)),
            ("expires_at", .time(credential.expiresAt)),
            ("grants", .array(credential.scope.grants.map { .string($0.description) })),
            ("issuer", .optional(credential.issuer)),
            ("api_url", .optional(credential.apiURL)),
            ("description", .optional(credential.description)),
            ("created_at", .time(credential.createdAt)),
            ("revoked_at", .time(credential.revokedAt)),
            ("last_used_at", .time(credential.lastUsedAt)),
            ("last_used_by", .optional(credential.lastUsedBy)),
            ("current_version", .int(credential.currentVersion)),
            ("hook", .optional(credential.hook)),
        ])
    }

    /// `show --json`: the credential object with its versions, last connection test and name
    /// history.
    package static func detailsJSON(_ details: CredentialDetails, now: UnixTime) -> JSON {
        let credential = details.credential
        guard case .object(var fields) = json(credential, now: now) else { return .null }
        fields.append(
            (
                "versions",
                .array(
                    details.versions.map { version in
                        .object([
                            ("version", .int(Int64(version.number))), ("state", .string(version.state.rawValue)),
                            ("created_at", .time(version.createdAt)), ("valid_until", .time(version.validUntil)),
                            ("first_used_at", .time(version.firstUsedAt)), ("upstream_id", .optional(version.upstreamID)),
                            ("upstream_expires_at", .time(version.upstreamExpiresAt)),
                            ("waiting", version.waiting.map(IssuerStepOutput.json) ?? .null), ("closed_at", .time(version.closedAt)),
                        ])
                    })
            ))
        fields.append(
            (
                "last_test",
                credential.lastTest.map { test in
                    .object([("passed", .bool(test.passed)), ("detail", .string(test.detail)), ("tested_at", .time(test.testedAt))])
                } ?? .null
            ))
        fields.append(
            (
                "name_history",
                .array(
                    details.nameHistory.map { entry in
                        .object([("name", .string(entry.name)), ("since", .time(entry.since))])
                    })
            ))
        return .object(fields)
    }

    /// `expiring --json`: one object per entry, most urgent first.
    package static func expiringJSON(_ entries: [ExpiringCredential]) -> JSON {
        JSON.array(
            entries.map { entry in
                .object([
                    ("name", .string(entry.credential.name)), ("status", .string(entry.status.rawValue)),
                    ("expires_at", .time(entry.credential.expiresAt)),
                    ("seconds_left", entry.secondsLeft.map(JSON.int) ?? .null),
                    ("notice_days", .int(entry.noticeDays)),
                    ("legacy", .bool(entry.credential.isLegacy)), ("issuer", .optional(entry.credential.issuer)),
                ])
            }
        )
    }

    /// `2027-03-01 (in 98d)`, `never (flagged)`, `2026-11-01 (expired 21d ago)`.
    package static func expiry(_ credential: Credential, now: UnixTime) -> String {
        guard let expiresAt = credential.expiresAt else { return "never (flagged)" }
        let day = TimeFormat.day(expiresAt)
        let left = expiresAt - now
        return left > 0 ? "\(day) (in \(TimeFormat.humanDuration(left)))" : "\(day) (expired \(TimeFormat.humanDuration(left)) ago)"
    }

    /// The grants, space-separated, or `legacy *:*:crud`.
    package static func scope(_ credential: Credential) -> String {
        credential.isLegacy ? "legacy *:*:crud" : credential.scope.grants.map(\.description).joined(separator: " ")
    }

    /// `legacy`, `unlimited` (a non-legacy `*:*:crud` grant) and `never-expires`, comma-separated.
    package static func flags(_ credential: Credential) -> String {
        var flags: [String] = []
        if credential.isLegacy { flags.append("legacy") }
        if credential.scope.isUnlimited && !credential.isLegacy { flags.append("unlimited") }
        if credential.neverExpires { flags.append("never-expires") }
        return flags.joined(separator: ",")
    }
}
