internal import TokenVaultStore

/// Which audit events to read; fields left nil match all.
public struct AuditFilter: Sendable {
    /// Events about the credential that has, or had, this name (all its names are followed,
    /// through its immutable id).
    public var credentialName: String?
    public var actor: String?
    public var action: String?
    public var outcome: AuditOutcome?
    /// Events at or after this time.
    public var since: UnixTime?
    /// Events before this time.
    public var until: UnixTime?
    /// At most this many events (the newest ones when `newestFirst`).
    public var limit: Int?
    /// Newest first (the default for people); oldest first for exports.
    public var newestFirst: Bool

    public init(
        credentialName: String? = nil, actor: String? = nil, action: String? = nil, outcome: AuditOutcome? = nil,
        since: UnixTime? = nil, until: UnixTime? = nil, limit: Int? = nil, newestFirst: Bool = false
    ) {
        self.credentialName = credentialName
        self.actor = actor
        self.action = action
        self.outcome = outcome
        self.since = since
        self.until = until
        self.limit = limit
        self.newestFirst = newestFirst
    }
}

extension Vault {
    /// Calls `body` with each audit event matching `filter`, streaming from SQLite without
    /// collecting them (constant memory, whatever the size of the trail).
    ///
    /// ```swift
    /// try vault.forEachAuditEvent(AuditFilter(outcome: .denied)) { event in print(event.actor) }
    /// ```
    ///
    /// The read runs in one snapshot: events appended meanwhile by other processes are not seen.
    ///
    /// - Warning: `body` runs while this `Vault` holds its connection. Calling the same `Vault`
    ///   from inside `body` deadlocks; collect what you need and act after the call returns.
    public func forEachAuditEvent(_ filter: AuditFilter, _ body: (AuditEvent) throws -> Void) throws(VaultError) {
        if let limit = filter.limit, limit <= 0 { throw VaultError(.invalidInput, "the limit must be a positive number") }
        try requireAdmin()
        var conditions: [String] = []
        var arguments: [any SQLBindable] = []
        if let actor = filter.actor {
            conditions.append("actor = ?")
            arguments.append(actor)
        }
        if let action = filter.action {
            conditions.append("action = ?")
            arguments.append(action)
        }
        if let outcome = filter.outcome {
            conditions.append("outcome = ?")
            arguments.append(outcome.rawValue)
        }
        if let since = filter.since {
            conditions.append("at >= ?")
            arguments.append(since)
        }
        if let until = filter.until {
            conditions.append("at < ?")
            arguments.append(until)
        }
        let query = AuditSelect(conditions: conditions, arguments: arguments, filter: filter)
        try Vault.mapErrors {
            try queue.read { db in
                let (sql, values) = try query.sql(db)
                let statement = try db.prepare(sql)
                try statement.forEach(values) { row in try body(AuditLog.event(from: row)) }
            }
        }
    }
}

/// The SQL of an audit query.
///
/// Without a name it is one scan of `audit_events` in `seq` order. With a name it is a merge,
/// in `seq` order, of one index range per credential that ever had the name
/// (`audit_events_credential`) and one of the refusals that named it while no credential had it
/// (`audit_events_unknown_name`). Each range is read newest first and stops at the limit, so
/// `--name X --limit 100` reads about 100 index entries whether X has one event or ten million.
private struct AuditSelect {
    /// The most holders of one name read as ranges of their own.
    static let maximumRanges = 64

    let conditions: [String]
    let arguments: [any SQLBindable]
    let filter: AuditFilter

    func sql(_ db: Connection) throws(StoreError) -> (String, [any SQLBindable]) {
        let order = filter.newestFirst ? "ORDER BY seq DESC" : "ORDER BY seq"
        let limit = filter.limit.map { " LIMIT \($0)" } ?? ""
        guard let name = filter.credentialName else {
            let condition = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return ("SELECT \(AuditLog.selectColumns) FROM audit_events\(condition) \(order)\(limit)", arguments)
        }
        // The holders come from the trail itself (the events that gave a credential the name),
        // not from name_history, which a writer of the file could edit without the chain noticing.
        let holders = """
            SELECT DISTINCT credential_uid FROM audit_events WHERE credential_name = ? AND credential_uid IS NOT NULL
            AND outcome = 'ok' AND (action = 'add' OR action = 'issue' OR action = 'rename')
            """
        let uids = try db.rows(holders, [name]).compactMap { $0.string(0) }
        // One range per holder, up to a bound well under SQLite's 500 arms per compound select;
        // a name reused more often than that (deleted and added again, say daily) is read as
        // one range over all its holders, which SQLite sorts before the limit.
        var ranges: [(selector: String, value: String)] =
            uids.count <= Self.maximumRanges
            ? uids.map { uid in (selector: "credential_uid = ?", value: uid) }
            : [(selector: "credential_uid IN (\(holders))", value: name)]
        ranges.append((selector: "credential_uid IS NULL AND credential_name = ?", value: name))
        var values: [any SQLBindable] = []
        // Each arm's subquery is named (`AS arm`): SQLite does not need it, PostgreSQL before 16 does.
        let arms = ranges.map { range in
            values.append(range.value)
            values += arguments
            let condition = ([range.selector] + conditions).joined(separator: " AND ")
            return "SELECT * FROM (SELECT \(AuditLog.selectColumns) FROM audit_events WHERE \(condition) \(order)\(limit)) AS arm"
        }
        return (arms.joined(separator: " UNION ALL ") + " \(order)\(limit)", values)
    }
}
