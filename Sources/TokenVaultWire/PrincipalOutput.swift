package import TokenVault
package import TokenVaultJSON

/// How principals are shown: a table row, a JSON object.
package enum PrincipalOutput {
    /// The table's columns.
    package static let tableHeaders = ["NAME", "RECOGNISED BY", "ADMIN", "ALLOW"]

    /// One table row.
    package static func tableRow(_ principal: Principal) -> [String] {
        [
            principal.name, principal.recognisedBy.description, principal.isAdmin ? "yes" : "no",
            principal.allow.isEmpty ? "-" : principal.allow.map(\.description).joined(separator: " "),
        ]
    }

    /// The JSON object of a principal (never a token: only its public id).
    package static func json(_ principal: Principal) -> JSON {
        let recognition: (String, JSON)
        switch principal.recognisedBy {
        case .uid(let uid): recognition = ("uid", .int(Int64(uid)))
        case .gid(let gid): recognition = ("gid", .int(Int64(gid)))
        case .token(let id): recognition = ("token_id", .string(id))
        case .certificate(let fingerprint): recognition = ("cert_fingerprint", .string(fingerprint))
        case .unit(let unit): recognition = ("unit", .string(unit))
        }
        return .object([
            ("id", .string(principal.id)), ("name", .string(principal.name)), recognition, ("admin", .bool(principal.isAdmin)),
            ("allow", .array(principal.allow.map { .string($0.description) })), ("created_at", .time(principal.createdAt)),
        ])
    }
}
