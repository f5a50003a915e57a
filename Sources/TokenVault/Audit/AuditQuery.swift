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
        var conditions = ["1"]
        var arguments: [any SQLBindable] = []
        if let name = filter.credentialName {
            // A name matches events about any credential that ever had it, and refusals that named it.
            conditions.append(
                """
                (credential_name = ? OR credential_uid IN (SELECT c.uid FROM credentials c
                    JOIN name_history h ON h.credential_id = c.id WHERE h.name = ?))
                """
            )
            arguments += [name, name]
        }
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
        var sql = "SELECT \(AuditLog.selectColumns) FROM audit_events WHERE \(conditions.joined(separator: " AND "))"
        sql += filter.newestFirst ? " ORDER BY seq DESC" : " ORDER BY seq"
        if let limit = filter.limit {
            guard limit > 0 else { throw VaultError(.invalidInput, "the limit must be a positive number") }
            sql += " LIMIT \(limit)"
        }
        let query = sql
        try Vault.mapErrors {
            try queue.read { db in
                let statement = try db.prepare(query)
                try statement.forEach(arguments) { row in try body(AuditLog.event(from: row)) }
            }
        }
    }
}
