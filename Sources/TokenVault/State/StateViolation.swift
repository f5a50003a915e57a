/// A stored row that fails its authentication: the vault file was written by someone without
/// the key, or rows were restored from an older copy.
///
/// Names the table and the credential (its name, or its id once deleted), never a stored value
/// beyond that. Thrown by every read of authenticated state; reported as
/// ``VaultError/Kind/integrity`` (exit 6) and, where the keys are open, audited with outcome
/// `error` and ``reason`` as the event's reason.
struct StateViolation: Error, Sendable, Equatable {
    enum Problem: Sendable, Equatable {
        /// The row has no MAC, or its MAC does not match its values: written without the key.
        case forged
        /// The row is authentic but older than the credential's newest state-changing event
        /// (`found` is the event it was sealed by, `expected` the newest): restored from a copy.
        case stale(found: Int64?, expected: Int64)
        /// A column that may not be null is null or of another type.
        case malformed
        /// A row that the trail or the credential's state says must exist is gone.
        case missing
        /// An index of the trail that reads rely on does not hold what its table does: it was
        /// rewritten (`table` names the index).
        case inconsistentIndex
    }

    /// The table the row is in.
    let table: String
    /// The credential's name (or id), when the row belongs to one; for `principals`, the
    /// principal's name; for `issuer_policies`, the issuer.
    let credential: String?
    let problem: Problem

    /// The audited reason: short, with no stored value.
    var reason: String {
        let what: String
        switch problem {
        case .forged: what = "fails its MAC"
        case .stale(let found, let expected): what = "is stale (sealed at event \(found.map(String.init) ?? "none"), newest state event \(expected))"
        case .malformed: what = "is malformed"
        case .missing: what = "is missing"
        case .inconsistentIndex: return "index \(table) disagrees with the audit trail"
        }
        return "\(table) row \(what)"
    }

    /// The one-line message for people.
    var message: String {
        let owner = credential.map { " of \(ownerKind) '\(printable($0))'" } ?? ""
        let cause: String
        switch problem {
        case .forged, .malformed, .missing, .inconsistentIndex: cause = "the vault was altered without the key"
        case .stale: cause = "it was restored from an older copy of the vault"
        }
        let article = problem == .inconsistentIndex ? "the" : table.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        return "\(article) \(reason)\(owner): \(cause)"
    }

    /// What ``credential`` names, by the table.
    private var ownerKind: String {
        switch table {
        case "principals": "principal"
        case "issuer_policies": "issuer"
        default: "credential"
        }
    }

    var vaultError: VaultError {
        VaultError(.integrity, message, hint: "run `tokenvault audit verify`, and restore the vault from a trusted backup")
    }
}
