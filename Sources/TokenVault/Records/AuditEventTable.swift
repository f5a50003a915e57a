internal import TokenVaultStore

/// The `audit_events` table: the hash-chained trail, one row per event, numbered by `seq` from 1.
///
/// `AuditEventTable` owns the appends and the trail's fixed queries; ``AuditLog`` hashes and
/// MACs events (``AuditLog/Column`` lists the columns of an event), and ``AuditQuery`` composes
/// the `audit` command's filtered reads.
enum AuditEventTable {
    private static let headSQL = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
    private static let lastSeqSQL = "SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1"
    private static let maxSeqSQL = "SELECT max(seq) FROM audit_events"
    private static let hashSQL = "SELECT hash FROM audit_events WHERE seq = ?"
    /// The columns every event has, then those schema 7 added (who acted), then the chain's.
    private static let contentColumns = """
        seq, at, actor, action, credential_uid, credential_name, need_project, need_resource, need_permission, outcome, reason,
        version, changes_state
        """
    private static let identityColumns = "actor_kind, peer, on_behalf_of"
    private static let insertSQL = insert(columns: "\(contentColumns), \(identityColumns), hash, mac", count: 18)
    /// An event without the identity columns of schema 7: the one the upgrade to schema 6 writes.
    private static let insertWithoutIdentitySQL = insert(columns: "\(contentColumns), hash, mac", count: 15)

    private static func insert(columns: String, count: Int) -> String {
        "INSERT INTO audit_events (\(columns)) VALUES (\(Array(repeating: "?", count: count).joined(separator: ", ")))"
    }

    // `outcome != 'ok'` is the condition of the partial index `audit_events_refused`: written
    // as such, it lets SQLite read the refused and failed events alone, not the whole trail.
    private static let deniedByActorSQL =
        "SELECT actor, count(*), max(at) FROM audit_events WHERE outcome != 'ok' AND outcome = 'denied' GROUP BY actor ORDER BY 2 DESC, 1"
    /// Refused and failed events from a time on (one argument): UTC day, outcome, count.
    private static let attemptsPerDaySQL =
        "SELECT at / 86400, outcome, count(*) FROM audit_events WHERE outcome != 'ok' AND at >= ? GROUP BY 1, 2"
    /// The events of principals name a principal in the credential columns.
    private static let credentialActions = AuditAction.allCases.filter { !$0.concernsPrincipal }.map { "'\($0.rawValue)'" }
        .joined(separator: ", ")
    private static let topAttemptCredentialsSQL = """
        SELECT credential_name, count(*) FROM audit_events
        WHERE outcome != 'ok' AND at >= ? AND credential_name IS NOT NULL AND action IN (\(credentialActions))
        GROUP BY credential_name ORDER BY 2 DESC, 1 LIMIT ?
        """
    private static let topAttemptActorsSQL =
        "SELECT actor, count(*) FROM audit_events WHERE outcome != 'ok' AND at >= ? GROUP BY actor ORDER BY 2 DESC, 1 LIMIT ?"
    // `action = 'seal'` is the condition of the partial index `audit_events_seals`.
    private static let lastSealSQL = "SELECT seq, at FROM audit_events WHERE action = 'seal' ORDER BY seq DESC LIMIT 1"

    /// The events with `seq` in a range (two arguments), in order: ``AuditLog/Column``, then
    /// `hash` and `mac`. For the chain walk.
    static let walkSQL = "SELECT \(AuditLog.selectColumns), hash, mac FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq"

    /// ``walkSQL`` for a trail of schema 6, which has no identity columns yet (they read as
    /// null, as for every event written before them): for the upgrade to authenticated state,
    /// which runs before the migration that adds them.
    static let walkWithoutIdentitySQL = """
        SELECT \(AuditLog.Column.allCases.map { $0.isIdentity ? "NULL" : $0.sqlExpression }.joined(separator: ", ")), hash, mac
        FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq
        """

    /// The successful events that gave a credential a name (`add`, `issue`, `rename`).
    private static let naming =
        "a.credential_uid IS NOT NULL AND a.outcome = 'ok' AND (a.action = 'add' OR a.action = 'issue' OR a.action = 'rename')"
    // SQLite: `INDEXED BY` names the partial index `audit_events_naming`; left to itself, the
    // planner takes the `credential_uid IS NOT NULL` range of `audit_events_credential`, every
    // fetch event of the trail. PostgreSQL gets the text without the hint.
    private static let createdWithoutRowSQL = """
        SELECT a.seq, a.credential_uid, a.credential_name FROM audit_events a INDEXED BY audit_events_naming WHERE \(naming) AND a.action != 'rename'
        AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.uid = a.credential_uid)
        """
    // SQLite: `INDEXED BY`, as above.
    private static let namedWithoutHistorySQL = """
        SELECT a.seq, a.credential_uid, a.credential_name FROM audit_events a INDEXED BY audit_events_naming WHERE \(naming) AND NOT EXISTS (
            SELECT 1 FROM credentials c JOIN name_history h ON h.credential_id = c.id
            WHERE c.uid = a.credential_uid AND h.name = a.credential_name
        )
        """

    // SQLite: `NOT INDEXED` reads the rows themselves and `INDEXED BY` the partial index alone,
    // so that the two can be compared (an index file edits can make disagree with its table).
    // Another engine would compare its index with its table in its own way, or skip this.
    private static let indexPairs: [(index: String, table: String, indexed: String)] = [
        (
            // Each credential's newest state-changing event: what every read's freshness uses.
            "audit_events_state",
            """
            SELECT credential_uid, max(seq) FROM audit_events NOT INDEXED
            WHERE credential_uid IS NOT NULL AND changes_state = 1 GROUP BY credential_uid ORDER BY credential_uid
            """,
            """
            SELECT credential_uid, max(seq) FROM audit_events INDEXED BY audit_events_state
            WHERE credential_uid IS NOT NULL AND changes_state = 1 GROUP BY credential_uid ORDER BY credential_uid
            """
        ),
        (
            // Every name's holders: what `audit --name` and the checks below use.
            "audit_events_naming",
            """
            SELECT a.credential_name, a.credential_uid, a.seq FROM audit_events a NOT INDEXED WHERE \(naming)
            ORDER BY a.credential_name, a.credential_uid, a.seq
            """,
            """
            SELECT a.credential_name, a.credential_uid, a.seq FROM audit_events a INDEXED BY audit_events_naming WHERE \(naming)
            ORDER BY a.credential_name, a.credential_uid, a.seq
            """
        ),
    ]

    /// The first of the partial indexes that reads check freshness and names through which
    /// does not hold exactly the events of its table that it should, with the credential of the
    /// first difference; or nil. One scan of the trail per index: for `audit verify`.
    ///
    /// PostgreSQL's indexes cannot be edited apart from their tables; one replaced by another
    /// definition is refused at open instead (``SchemaObjects/postgresExpected``): nil there.
    static func firstIndexMismatch(_ db: Connection) throws -> (index: String, credential: String?)? {
        guard db.engine == .sqlite else { return nil }
        for pair in indexPairs {
            let table = try db.prepare(pair.table)
            let indexed = try db.prepare(pair.indexed)
            try table.bind([])
            try indexed.bind([])
            while true {
                let fromTable = try table.step()
                let fromIndex = try indexed.step()
                guard let fromTable, let fromIndex else {
                    if fromTable == nil && fromIndex == nil { break }
                    return (pair.index, (fromTable ?? fromIndex)?.string(0))
                }
                guard (0..<fromTable.count).allSatisfy({ fromTable[$0] == fromIndex[$0] }) else {
                    return (pair.index, fromTable.string(0))
                }
            }
        }
        return nil
    }

    /// The last event's sequence number and hash, or nil for an empty trail.
    private static let actionSQL = "SELECT 1 FROM audit_events WHERE action = ? LIMIT 1"

    /// Whether the trail holds an event of `action` (a scan: for rare, one-time checks).
    static func hasEvent(_ db: Connection, action: AuditAction) throws -> Bool {
        try db.row(actionSQL, [action.rawValue]) != nil
    }

    static func head(_ db: Connection) throws -> (seq: Int64?, hash: [UInt8]?)? {
        try db.row(headSQL).map { ($0.int64(0), $0.blob(1)) }
    }

    /// The last event's sequence number, or nil for an empty trail.
    static func lastSequence(_ db: Connection) throws -> Int64? {
        try db.row(lastSeqSQL)?.int64(0)
    }

    /// The highest sequence number, or nil for an empty trail.
    static func maxSequence(_ db: Connection) throws -> Int64? {
        try db.row(maxSeqSQL)?.int64(0)
    }

    /// The stored hash of event `seq`: nil when there is no such event, `.some(nil)` when its
    /// hash is not a blob.
    static func hash(_ db: Connection, seq: Int64) throws -> [UInt8]?? {
        try db.row(hashSQL, [seq]).map { $0.blob(0) }
    }

    /// Appends `event` with its chain hash and MAC.
    static func insert(_ db: Connection, _ event: AuditEvent, hash: [UInt8], mac: [UInt8]) throws {
        // One literal per shape: a fetch appends an event, and building the array in steps
        // costs it about 1k instructions more (callgrind).
        guard let kind = event.actorKind else {
            try db.execute(
                insertWithoutIdentitySQL,
                [
                    event.sequence, event.time, event.actor, event.action.rawValue, event.credentialID, event.credentialName,
                    event.needProject, event.needResource, event.needPermissions, event.outcome.rawValue, event.reason,
                    event.version, event.changesState, hash, mac,
                ]
            )
            return
        }
        try db.execute(
            insertSQL,
            [
                event.sequence, event.time, event.actor, event.action.rawValue, event.credentialID, event.credentialName,
                event.needProject, event.needResource, event.needPermissions, event.outcome.rawValue, event.reason,
                event.version, event.changesState, kind.rawValue, event.peer, event.onBehalfOf, hash, mac,
            ]
        )
    }

    /// How many refusals each actor has had, and the last, most refused first.
    static func deniedByActor(_ db: Connection) throws -> [(actor: String, count: Int64, last: UnixTime)] {
        try db.rows(deniedByActorSQL).map { row in (actor: row.string(0) ?? "", count: row.int64(1) ?? 0, last: row.int64(2) ?? 0) }
    }

    /// Refused (`denied`) and failed (`error`) events at or after `since`, per UTC day (the
    /// day's number since 1970): through the partial index of such events, not the trail.
    static func attemptsPerDay(_ db: Connection, since: UnixTime) throws -> [(day: Int64, refused: Int64, failed: Int64)] {
        var days: [Int64: (refused: Int64, failed: Int64)] = [:]
        for row in try db.rows(attemptsPerDaySQL, [since]) {
            guard let day = row.int64(0), let count = row.int64(2) else { continue }
            var entry = days[day] ?? (0, 0)
            if row.string(1) == AuditOutcome.denied.rawValue { entry.refused += count } else { entry.failed += count }
            days[day] = entry
        }
        return days.map { (day: $0.key, refused: $0.value.refused, failed: $0.value.failed) }.sorted { $0.day < $1.day }
    }

    /// The credential names that refused and failed events at or after `since` named most,
    /// most first, at most `limit`.
    static func topAttemptCredentials(_ db: Connection, since: UnixTime, limit: Int) throws -> [(name: String, count: Int64)] {
        try db.rows(topAttemptCredentialsSQL, [since, Int64(limit)]).map { (name: $0.string(0) ?? "", count: $0.int64(1) ?? 0) }
    }

    /// The actors of refused and failed events at or after `since`, most first, at most `limit`.
    static func topAttemptActors(_ db: Connection, since: UnixTime, limit: Int) throws -> [(name: String, count: Int64)] {
        try db.rows(topAttemptActorsSQL, [since, Int64(limit)]).map { (name: $0.string(0) ?? "", count: $0.int64(1) ?? 0) }
    }

    /// The newest `seal` event's sequence number and time, or nil when the trail has none.
    static func lastSeal(_ db: Connection) throws -> (seq: Int64, at: UnixTime)? {
        try db.row(lastSealSQL).flatMap { row in row.int64(0).flatMap { seq in row.int64(1).map { (seq, $0) } } }
    }

    /// The (uid, name) of the earliest event that created a credential which has no row, or nil.
    static func earliestCreationWithoutRow(_ db: Connection) throws -> (uid: String?, name: String?)? {
        try earliest(db, db.engine == .sqlite ? createdWithoutRowSQL : Records.withoutIndexHints(createdWithoutRowSQL))
    }

    /// The (uid, name) of the earliest event that gave a credential a name its name history
    /// lacks, or nil.
    static func earliestNamingWithoutHistory(_ db: Connection) throws -> (uid: String?, name: String?)? {
        try earliest(db, db.engine == .sqlite ? namedWithoutHistorySQL : Records.withoutIndexHints(namedWithoutHistorySQL))
    }

    /// The (uid, name) of the row with the lowest `seq` that `sql` selects (`seq, uid, name`), or nil.
    private static func earliest(_ db: Connection, _ sql: String) throws -> (uid: String?, name: String?)? {
        try db.rows(sql).min { ($0.int64(0) ?? 0) < ($1.int64(0) ?? 0) }.map { ($0.string(1), $0.string(2)) }
    }
}
