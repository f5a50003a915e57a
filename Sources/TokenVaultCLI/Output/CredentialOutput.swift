import TokenVault
import TokenVaultJSON

/// How credentials are shown in text and JSON. One place, used by add, issue, list, show, verify.
enum CredentialOutput {
    /// The credential object of `--json` (docs/cli.md, section 6), its state at `now`.
    static func json(_ credential: Credential, now: UnixTime) -> JSON {
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
        ])
    }

    /// `2027-03-01 (in 98d)`, `never (flagged)`, `2026-11-01 (expired 21d ago)`.
    static func expiry(_ credential: Credential, now: UnixTime) -> String {
        guard let expiresAt = credential.expiresAt else { return "never (flagged)" }
        let day = TimeFormat.day(expiresAt)
        let left = expiresAt - now
        return left > 0 ? "\(day) (in \(TimeFormat.humanDuration(left)))" : "\(day) (expired \(TimeFormat.humanDuration(left)) ago)"
    }

    /// The grants, space-separated, or `legacy *:*:crud`.
    static func scope(_ credential: Credential) -> String {
        credential.isLegacy ? "legacy *:*:crud" : credential.scope.grants.map(\.description).joined(separator: " ")
    }

    /// `legacy`, `unlimited` (a non-legacy `*:*:crud` grant) and `never-expires`, comma-separated.
    static func flags(_ credential: Credential) -> String {
        var flags: [String] = []
        if credential.isLegacy { flags.append("legacy") }
        if credential.scope.isUnlimited && !credential.isLegacy { flags.append("unlimited") }
        if credential.neverExpires { flags.append("never-expires") }
        return flags.joined(separator: ",")
    }
}
