internal import TokenVaultCrypto
internal import TokenVaultStore

/// The `principals` table: the service's callers, one row each (schema 7; certificate and unit
/// principals since schema 10).
///
/// Every row is authenticated state (``StateAuthenticator/check(_:newestEvent:)-principal``):
/// reads return ``StoredPrincipal`` values with the principal's newest state-changing event, for
/// the caller to check.
enum PrincipalTable {
    /// The newest state-changing event of the principal `p.uid`, as a column.
    private static let newestEventColumn =
        "(SELECT max(a.seq) FROM audit_events a WHERE a.credential_uid = p.uid AND a.changes_state = 1)"
    private static let select = "SELECT \(StoredPrincipal.columns), \(newestEventColumn) FROM principals p"

    private static let byNameSQL = "\(select) WHERE p.name = ?"
    private static let byMatchSQL = "\(select) WHERE p.match_kind = ? AND p.match_id = ?"
    private static let byMatchTextSQL = "\(select) WHERE p.match_kind = ? AND p.match_text = ?"
    private static let byTokenSQL = "\(select) WHERE p.token_hash = ?"
    private static let allSQL = "\(select) ORDER BY p.name"
    private static let insertSQL = """
        INSERT INTO principals (uid, name, match_kind, match_id, match_text, token_hash, admin, allow, created_at, state_seq, state_mac)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
        """
    private static let updateSQL = """
        UPDATE principals SET name = ?, token_hash = ?, state_seq = ?, state_mac = ? WHERE id = ?
        """
    private static let deleteSQL = "DELETE FROM principals WHERE id = ?"
    private static let matchTakenSQL = "SELECT name FROM principals WHERE match_kind = ? AND match_id = ?"
    private static let matchTextTakenSQL = "SELECT name FROM principals WHERE match_kind = ? AND match_text = ?"

    private static let addedWithoutRowSQL = """
        SELECT a.credential_uid, a.credential_name FROM audit_events a
        WHERE a.action = 'principal-add' AND a.outcome = 'ok' AND a.credential_uid IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM principals p WHERE p.uid = a.credential_uid)
        AND NOT EXISTS (
            SELECT 1 FROM audit_events r WHERE r.credential_uid = a.credential_uid AND r.action = 'principal-remove' AND r.outcome = 'ok'
        )
        ORDER BY a.seq LIMIT 1
        """

    /// The (uid, name) of the earliest principal the trail added, never removed, and that has no
    /// row: a row deleted by someone without the key.
    static func earliestAddedWithoutRow(_ db: Connection) throws -> (uid: String?, name: String?)? {
        try db.row(addedWithoutRowSQL).map { ($0.string(0), $0.string(1)) }
    }

    static func byName(_ db: Connection, _ name: String) throws -> (StoredPrincipal, newestEvent: Int64?)? {
        try db.row(byNameSQL, [name]).map(decode)
    }

    /// The principal recognised by a user id (`kind` "uid") or a group id ("gid").
    static func byMatch(_ db: Connection, kind: String, id: Int64) throws -> (StoredPrincipal, newestEvent: Int64?)? {
        try db.row(byMatchSQL, [kind, id]).map(decode)
    }

    /// The principal recognised by a client certificate's fingerprint (`kind` "certificate")
    /// or a systemd unit's name ("unit").
    static func byMatch(_ db: Connection, kind: String, text: String) throws -> (StoredPrincipal, newestEvent: Int64?)? {
        try db.row(byMatchTextSQL, [kind, text]).map(decode)
    }

    static func byTokenHash(_ db: Connection, _ hash: [UInt8]) throws -> (StoredPrincipal, newestEvent: Int64?)? {
        try db.row(byTokenSQL, [hash]).map(decode)
    }

    static func all(_ db: Connection) throws -> [(StoredPrincipal, newestEvent: Int64?)] {
        try db.rows(allSQL).map(decode)
    }

    /// The name of the principal already recognised by this user or group id, if any.
    static func holder(of kind: String, id: Int64, _ db: Connection) throws -> String? {
        try db.row(matchTakenSQL, [kind, id])?.string(0)
    }

    /// The name of the principal already recognised by this certificate or unit, if any.
    static func holder(of kind: String, text: String, _ db: Connection) throws -> String? {
        try db.row(matchTextTakenSQL, [kind, text])?.string(0)
    }

    /// Inserts a sealed row and returns its row id.
    static func insert(_ db: Connection, _ row: StoredPrincipal) throws -> Int64 {
        try Records.insertedID(
            db, insertSQL,
            [
                row.uid, row.name, row.matchKind, row.matchID, row.matchText, row.tokenHash, row.admin, row.allow, row.createdAt, row.stateSeq,
                row.stateMAC,
            ]
        )
    }

    /// Writes a row's name, token hash and seal (the only columns that change).
    static func update(_ db: Connection, _ row: StoredPrincipal) throws {
        try db.execute(updateSQL, [row.name, row.tokenHash, row.stateSeq, row.stateMAC, row.rowID])
    }

    static func delete(_ db: Connection, rowID: Int64) throws {
        try db.execute(deleteSQL, [rowID])
    }

    private static func decode(_ row: Row) throws -> (StoredPrincipal, newestEvent: Int64?) {
        (try StoredPrincipal(row), row.int64(StoredPrincipal.Column.count))
    }
}

/// A `principals` row as stored: the values its MAC covers.
struct StoredPrincipal: Sendable, Hashable {
    var rowID: Int64
    let uid: String
    var name: String
    let matchKind: String
    let matchID: Int64?
    /// A certificate's fingerprint or a unit's name (schema 10); nil for the other kinds.
    let matchText: String?
    var tokenHash: [UInt8]?
    let admin: Int64
    let allow: String
    let createdAt: Int64
    var stateSeq: Int64
    var stateMAC: [UInt8]

    /// The columns ``init(_:)`` reads, in `SELECT` order, from `principals p`.
    enum Column: Int, ColumnList {
        case id, uid, name, matchKind, matchID, matchText, tokenHash, admin, allow, createdAt, stateSeq, stateMAC
    }

    static let columns = Column.selectList(table: "p")

    init(
        rowID: Int64, uid: String, name: String, matchKind: String, matchID: Int64?, matchText: String? = nil, tokenHash: [UInt8]?,
        admin: Int64, allow: String, createdAt: Int64, stateSeq: Int64, stateMAC: [UInt8]
    ) {
        self.rowID = rowID
        self.uid = uid
        self.name = name
        self.matchKind = matchKind
        self.matchID = matchID
        self.matchText = matchText
        self.tokenHash = tokenHash
        self.admin = admin
        self.allow = allow
        self.createdAt = createdAt
        self.stateSeq = stateSeq
        self.stateMAC = stateMAC
    }

    /// - Throws: ``StateViolation`` (malformed) when a column that may not be null is not there.
    init(_ row: Row) throws(StateViolation) {
        guard let rowID = row.int64(Column.id), let uid = row.string(Column.uid), let name = row.string(Column.name),
            let matchKind = row.string(Column.matchKind), let admin = row.int64(Column.admin), let allow = row.string(Column.allow),
            let createdAt = row.int64(Column.createdAt), let stateSeq = row.int64(Column.stateSeq), let mac = row.blob(Column.stateMAC)
        else { throw StateViolation(table: "principals", credential: row.string(Column.name), problem: .malformed) }
        self.init(
            rowID: rowID, uid: uid, name: name, matchKind: matchKind, matchID: row.int64(Column.matchID),
            matchText: row.string(Column.matchText), tokenHash: row.blob(Column.tokenHash),
            admin: admin, allow: allow, createdAt: createdAt, stateSeq: stateSeq, stateMAC: mac
        )
    }

    /// The principal this row describes, once checked.
    ///
    /// - Throws: ``StateViolation`` (malformed) for values no append writes.
    func principal() throws(StateViolation) -> Principal {
        let recognition: Principal.Recognition
        switch (matchKind, matchID, matchText, tokenHash) {
        case ("uid", let id?, nil, nil) where UInt32(exactly: id) != nil: recognition = .uid(UInt32(id))
        case ("gid", let id?, nil, nil) where UInt32(exactly: id) != nil: recognition = .gid(UInt32(id))
        case ("token", nil, nil, let hash?): recognition = .token(id: StoredPrincipal.tokenID(of: hash))
        case ("certificate", nil, let fingerprint?, nil): recognition = .certificate(sha256: fingerprint)
        case ("unit", nil, let unit?, nil): recognition = .unit(unit)
        default: throw StateViolation(table: "principals", credential: name, problem: .malformed)
        }
        var entries: [AllowEntry] = []
        for line in allow.split(separator: "\n") {
            guard let entry = try? AllowEntry(parsing: String(line)) else {
                throw StateViolation(table: "principals", credential: name, problem: .malformed)
            }
            entries.append(entry)
        }
        return Principal(id: uid, name: name, recognisedBy: recognition, isAdmin: admin == 1, allow: entries, createdAt: createdAt)
    }

    /// An access token's public id: the first 6 bytes of its keyed hash, in hex. Says nothing
    /// of the token; names it in listings and in the audit's peer.
    static func tokenID(of hash: [UInt8]) -> String {
        "tva-" + Hex.encode(Array(hash.prefix(6)))
    }
}
