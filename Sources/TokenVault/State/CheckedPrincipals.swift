internal import Synchronization

/// Principal rows whose MAC one `Vault` has checked, with the principals they decode to: the
/// service authenticates every request, and a row read again with exactly the same stored values
/// needs neither a second HMAC nor a second parse of its allow list.
///
/// Security: as for ``CheckedRows``, a row equal in every covered value and in its stored MAC to
/// one that passed is authentic too; any difference misses and is checked in full. Freshness
/// (`state_seq` against the principal's newest state-changing event in the trail) is checked on
/// every read regardless.
final class CheckedPrincipals: Sendable {
    /// The most rows remembered; past it the memory starts again.
    static let capacity = 1_024

    private let rows = Mutex<[StoredPrincipal: Principal]>([:])

    /// The principal of `row`, checked: from memory when an equal row passed before and `row` is
    /// fresh, else checked and decoded in full (and remembered).
    ///
    /// - Throws: ``StateViolation`` when the row is forged, stale or malformed.
    func principal(of row: StoredPrincipal, newestEvent: Int64?, _ authenticator: StateAuthenticator) throws(StateViolation) -> Principal {
        if row.stateSeq == newestEvent, let known = rows.withLock({ $0[row] }) { return known }
        try authenticator.check(row, newestEvent: newestEvent)
        let principal = try row.principal()
        rows.withLock { rows in
            if rows.count >= Self.capacity { rows.removeAll(keepingCapacity: true) }
            rows[row] = principal
        }
        return principal
    }
}
