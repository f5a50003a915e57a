internal import Synchronization

/// Credential rows whose MAC one `Vault` has checked, by row id, so that a row read again with
/// exactly the same stored values needs no second HMAC: a fetch of a credential fetched before
/// costs one HMAC (its audit event's) instead of two.
///
/// Security: a MAC is a function of the values it covers, so a row equal in every covered value
/// *and* in its stored MAC to one that passed is authentic too. Any difference, in a value, in
/// `state_seq` or in the MAC, misses and is checked in full. Freshness (`state_seq` against the
/// trail) is checked on every read regardless. `audit verify` never uses this: it checks every
/// row from scratch.
final class CheckedRows: Sendable {
    /// The most rows remembered; past it the memory starts again (a vault's hot credentials
    /// come back at once).
    static let capacity = 4_096

    private let rows = Mutex<[Int64: StoredCredential]>([:])

    /// Whether `row` equals, in every stored value, a row whose MAC was checked.
    func contains(_ row: StoredCredential) -> Bool {
        rows.withLock { $0[row.rowID] == row }
    }

    /// Remembers `row`, whose MAC has just been checked.
    func insert(_ row: StoredCredential) {
        rows.withLock { rows in
            if rows.count >= Self.capacity { rows.removeAll(keepingCapacity: true) }
            rows[row.rowID] = row
        }
    }
}
