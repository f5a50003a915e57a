internal import TokenVaultStore

/// The `issuer_policies` table: one row per issuer that has, or had, a policy (schema 8).
///
/// Every row is authenticated state (``StateAuthenticator/check(_:newestEvent:)-policy``): reads
/// return ``StoredIssuerPolicy`` values with the newest state-changing event of the policy
/// (`credential_uid` `policy:ISSUER` in the trail), for the caller to check. A removed policy
/// stays as a row whose `max_lifetime` is null.
enum IssuerPolicyTable {
    /// The newest state-changing event of the policy of `p.issuer`, as a column.
    private static let newestEventColumn = """
        (SELECT max(a.seq) FROM audit_events a WHERE a.credential_uid = '\(StoredIssuerPolicy.eventPrefix)' || p.issuer \
        AND a.changes_state = 1)
        """
    private static let select = "SELECT \(StoredIssuerPolicy.columns), \(newestEventColumn) FROM issuer_policies p"
    private static let byIssuerSQL = "\(select) WHERE p.issuer = ?"
    private static let allSQL = "\(select) ORDER BY p.issuer"
    // An upsert that sets every other column: the row ends as a replacement would leave it
    // (the key is the table's only unique constraint, and no table references the rows).
    private static let writeSQL = """
        INSERT INTO issuer_policies (issuer, max_lifetime, since, state_seq, state_mac) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (issuer) DO UPDATE SET max_lifetime = excluded.max_lifetime, since = excluded.since,
        state_seq = excluded.state_seq, state_mac = excluded.state_mac
        """
    private static let newestEventSQL = "SELECT max(seq) FROM audit_events WHERE credential_uid = ? AND changes_state = 1"
    // The range on credential_uid reads the policies' events through the partial index of
    // state-changing events; no credential or principal id starts with `policy:`.
    private static let changedWithoutRowSQL = """
        SELECT a.credential_uid, a.credential_name FROM audit_events a
        WHERE a.changes_state = 1 AND a.credential_uid >= '\(StoredIssuerPolicy.eventPrefix)' AND a.credential_uid < 'policy;'
        AND NOT EXISTS (SELECT 1 FROM issuer_policies p WHERE '\(StoredIssuerPolicy.eventPrefix)' || p.issuer = a.credential_uid)
        ORDER BY a.seq LIMIT 1
        """

    /// The row of `issuer` (in ``IssuerPolicy/key(of:)`` form), with its newest state-changing event.
    static func byIssuer(_ db: Connection, _ issuer: String) throws -> (StoredIssuerPolicy, newestEvent: Int64?)? {
        try db.row(byIssuerSQL, [issuer]).map(decode)
    }

    /// Every row, tombstones included, by issuer.
    static func all(_ db: Connection) throws -> [(StoredIssuerPolicy, newestEvent: Int64?)] {
        try db.rows(allSQL).map(decode)
    }

    /// The newest state-changing event of the policy of `issuer`, whether or not it has a row:
    /// an event without a row is a row deleted by someone without the key.
    static func newestEvent(_ db: Connection, issuer: String) throws -> Int64? {
        try db.row(newestEventSQL, [StoredIssuerPolicy.eventPrefix + issuer])?.int64(0)
    }

    /// The (event id, issuer) of the earliest policy the trail changed that has no row, or nil.
    static func earliestChangedWithoutRow(_ db: Connection) throws -> (uid: String?, issuer: String?)? {
        try db.row(changedWithoutRowSQL).map { ($0.string(0), $0.string(1)) }
    }

    /// Inserts or replaces the sealed row of its issuer.
    static func write(_ db: Connection, _ row: StoredIssuerPolicy) throws {
        try db.execute(writeSQL, [row.issuer, row.maxLifetime, row.since, row.stateSeq, row.stateMAC])
    }

    private static func decode(_ row: Row) throws -> (StoredIssuerPolicy, newestEvent: Int64?) {
        (try StoredIssuerPolicy(row), row.int64(StoredIssuerPolicy.Column.count))
    }
}

/// An `issuer_policies` row as stored: the values its MAC covers.
struct StoredIssuerPolicy: Sendable, Hashable {
    /// What a policy's audit events hold in `credential_uid` before the issuer.
    static let eventPrefix = "policy:"

    let issuer: String
    /// Nil: the policy was removed (the row is its tombstone).
    var maxLifetime: Int64?
    var since: Int64
    var stateSeq: Int64
    var stateMAC: [UInt8]

    /// The columns ``init(_:)`` reads, in `SELECT` order, from `issuer_policies p`.
    enum Column: Int, ColumnList {
        case issuer, maxLifetime, since, stateSeq, stateMAC
    }

    static let columns = Column.selectList(table: "p")

    /// The id its audit events carry: `policy:xentral`.
    var eventID: String { Self.eventPrefix + issuer }

    init(issuer: String, maxLifetime: Int64?, since: Int64, stateSeq: Int64 = 0, stateMAC: [UInt8] = []) {
        self.issuer = issuer
        self.maxLifetime = maxLifetime
        self.since = since
        self.stateSeq = stateSeq
        self.stateMAC = stateMAC
    }

    /// - Throws: ``StateViolation`` (malformed) when a column that may not be null is not there.
    init(_ row: Row) throws(StateViolation) {
        guard let issuer = row.string(Column.issuer), let since = row.int64(Column.since), let stateSeq = row.int64(Column.stateSeq),
            let mac = row.blob(Column.stateMAC)
        else { throw StateViolation(table: "issuer_policies", credential: row.string(Column.issuer), problem: .malformed) }
        self.init(issuer: issuer, maxLifetime: row.int64(Column.maxLifetime), since: since, stateSeq: stateSeq, stateMAC: mac)
    }

    /// The policy this row holds once checked; nil for a removed one.
    var policy: IssuerPolicy? {
        maxLifetime.map { IssuerPolicy(issuer: issuer, maxLifetimeSeconds: $0, since: since) }
    }
}
