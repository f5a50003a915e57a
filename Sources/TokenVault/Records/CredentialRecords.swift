internal import TokenVaultStore

/// Reading credentials from the `credentials` and `grants` tables, each one checked
/// (``StateAuthenticator``) before it is returned: the reading side of ``CredentialTable``.
///
/// One place knows the select list of a credential read with its grants, and the conditions
/// that pick credentials for a listing.
enum CredentialRecords {
    /// A credential's row id, its stored (checked) row and its public view.
    struct Loaded: Sendable {
        let rowID: Int64
        let stored: StoredCredential
        let credential: Credential
    }

    /// The stored columns, the newest state-changing event, then the unauthenticated bookkeeping.
    static let columns = "\(StoredCredential.columns), \(CredentialTable.newestEventColumn), c.last_used_at, c.last_used_by"
    /// How many values ``columns`` selects.
    static let columnCount = StoredCredential.columnCount + 3

    // Built once: the statement cache is keyed by the SQL text, and a fetch should not pay for
    // building it again. One statement reads the credential with its grants, a row per grant.
    private static let withGrants =
        "SELECT \(columns), g.project, g.resource, g.permissions FROM credentials c LEFT JOIN grants g ON g.credential_id = c.id"
    private static let byNameSQL = "\(withGrants) WHERE c.name = ?"
    private static let byRowIDSQL = "\(withGrants) WHERE c.id = ?"

    /// The live (not deleted) credential named `name`.
    ///
    /// - Throws: ``StateViolation`` when its row or grants fail their check.
    static func live(named name: String, _ db: Connection, _ authenticator: StateAuthenticator) throws -> Loaded? {
        try one(byNameSQL, [name], db, authenticator, sealedBy: nil)
    }

    /// The credential with row id `rowID`, live or not (a tombstone has no name).
    ///
    /// - Parameter sealedBy: the sequence number of the caller's own event, not appended yet,
    ///   when the caller has just sealed the credential's state under it (reading back what it wrote).
    static func byRowID(
        _ rowID: Int64, _ db: Connection, _ authenticator: StateAuthenticator, sealedBy: Int64? = nil
    ) throws -> Loaded? {
        try one(byRowIDSQL, [rowID], db, authenticator, sealedBy: sealedBy)
    }

    /// The one credential a query of ``withGrants`` selects, with its grants, or nil.
    private static func one(
        _ sql: String, _ arguments: [any SQLBindable], _ db: Connection, _ authenticator: StateAuthenticator, sealedBy: Int64?
    ) throws -> Loaded? {
        let statement = try db.cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        guard let first = try statement.step() else { return nil }
        var grants: [StoredGrant] = []
        if let grant = StoredGrant(first, offset: columnCount) { grants.append(grant) }
        while let row = try statement.step() {
            if let grant = StoredGrant(row, offset: columnCount) { grants.append(grant) }
        }
        return try load(first, grants: grants, authenticator, sealedBy: sealedBy)
    }

    /// Every live credential, with its grants, by name.
    static func all(_ db: Connection, _ authenticator: StateAuthenticator) throws -> [Loaded] {
        try all(where: "TRUE", [], selective: false, db, authenticator)
    }

    /// Calls `body` with every live credential, by name, one at a time.
    static func forEach(_ db: Connection, _ authenticator: StateAuthenticator, _ body: (Loaded) throws -> Void) throws {
        try forEach(where: "TRUE", [], selective: false, db, authenticator, body)
    }

    /// Calls `body` with every live credential in row-id order, one at a time: the table read
    /// front to back, for a pass that needs every credential but no order (the report's counts).
    static func forEachInStorageOrder(_ db: Connection, _ authenticator: StateAuthenticator, _ body: (Loaded) throws -> Void) throws {
        try forEach(where: "TRUE", [], order: "c.id", db, authenticator, body)
    }

    /// Every live, unrevoked credential that never expires or expires by `time`, by name.
    static func expiringOrNever(
        by time: UnixTime, _ db: Connection, _ authenticator: StateAuthenticator
    ) throws -> [Loaded] {
        // Revocation is judged on the checked row, not in SQL: a row whose revocation date was
        // forged must be checked (and refused), not silently left out.
        try all(where: "c.expires_at IS NULL OR c.expires_at <= ?", [time], selective: true, db, authenticator)
            .filter { $0.credential.revokedAt == nil }
    }

    /// Calls `body` with every live credential that `filter`'s state, issuer and expiry window
    /// select at `now`, by name (its scope is left to the caller).
    static func forEach(
        matching filter: CredentialFilter, now: UnixTime, _ db: Connection, _ authenticator: StateAuthenticator,
        _ body: (Loaded) throws -> Void
    ) throws {
        var conditions: [String] = ["TRUE"]
        var arguments: [any SQLBindable] = []
        switch filter.state {
        case .active?:
            conditions.append("c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?)")
            arguments.append(now)
        case .expired?:
            conditions.append("c.revoked_at IS NULL AND c.expires_at <= ?")
            arguments.append(now)
        case .revoked?:
            conditions.append("c.revoked_at IS NOT NULL")
        case nil:
            break
        }
        if let issuer = filter.issuer {
            conditions.append("c.issuer = ?")
            arguments.append(issuer)
        }
        if let within = filter.expiringWithin {
            // As `expiring`: a revoked credential is not coming due.
            conditions.append("c.revoked_at IS NULL AND c.expires_at <= ?")
            arguments.append(now + within)
        }
        let selective = filter.expiringWithin != nil || filter.state == .expired
        try forEach(where: conditions.joined(separator: " AND "), arguments, selective: selective, db, authenticator, body)
    }

    /// Calls `body` with every live credential that may belong to `listing` at `now`, by name,
    /// one at a time. The condition selects more than the listing may hold (it reads the
    /// columns, not the checked credential); the caller keeps those the checked credential
    /// belongs to.
    static func forEach(
        candidatesFor listing: ReportListing, now: UnixTime, unusedFor: Int64, _ db: Connection, _ authenticator: StateAuthenticator,
        _ body: (Loaded) throws -> Void
    ) throws {
        let (condition, arguments, selective) = candidates(listing, now: now, unusedFor: unusedFor)
        try forEach(where: condition, arguments, selective: selective, db, authenticator, body)
    }

    /// The SQL condition on `c` that selects at least the credentials of `listing`, its
    /// arguments, and whether it picks few through an index.
    private static func candidates(_ listing: ReportListing, now: UnixTime, unusedFor: Int64) -> (String, [any SQLBindable], Bool) {
        switch listing {
        case .flag(.legacy):
            return ("c.legacy = 1", [], false)
        case .flag(.unlimited):
            return (
                "c.legacy = 1 OR EXISTS (SELECT 1 FROM grants u WHERE u.credential_id = c.id AND u.project = '*' AND u.resource = '*')", [], false
            )
        case .flag(.neverExpiring):
            return ("c.expires_at IS NULL", [], true)
        case .flag(.expiredNotRevoked):
            return ("c.expires_at <= ?", [now], true)
        case .flag(.unused):
            return ("coalesce(c.last_used_at, c.created_at) <= ?", [now - unusedFor], false)
        case .flagged:
            let parts = ReportFlag.allCases.map { candidates(.flag($0), now: now, unusedFor: unusedFor) }
            return (parts.map { "(\($0.0))" }.joined(separator: " OR "), parts.flatMap(\.1), false)
        case .tested:
            return ("c.last_test_at IS NOT NULL", [], false)
        }
    }

    /// Every live credential matching an SQL condition on `c`, with their grants, by name:
    /// ``forEach(where:_:selective:_:_:_:)`` collected.
    private static func all(
        where condition: String, _ arguments: [any SQLBindable], selective: Bool, _ db: Connection,
        _ authenticator: StateAuthenticator
    ) throws -> [Loaded] {
        var loaded: [Loaded] = []
        try forEach(where: condition, arguments, selective: selective, db, authenticator) { loaded.append($0) }
        return loaded
    }

    /// Calls `body` with every live credential matching an SQL condition on `c`, by name, one at
    /// a time: one joined query read row by row, so memory stays flat whatever the vault's size.
    ///
    /// The condition only selects: each credential it selects is checked before `body` sees it,
    /// so a forged value is never shown as true.
    ///
    /// - Parameter selective: the condition picks few credentials through an index (the expiry
    ///   index). SQLite is then told not to order by the name index (`+c.name`), which would walk
    ///   every credential, and sorts the few it found instead; otherwise the name index gives the
    ///   order and nothing is sorted.
    private static func forEach(
        where condition: String, _ arguments: [any SQLBindable], selective: Bool, _ db: Connection,
        _ authenticator: StateAuthenticator, _ body: (Loaded) throws -> Void
    ) throws {
        // SQLite: the unary `+` keeps the planner off the name index; PostgreSQL has no `+` for
        // text, and its planner, with statistics, sorts the few rows by itself.
        let order = selective && db.engine == .sqlite ? "+c.name" : "c.name"
        try forEach(where: condition, arguments, order: order, db, authenticator, body)
    }

    /// ``forEach(where:_:selective:_:_:_:)`` in the order of `order`, an SQL expression on `c`
    /// that gives each credential its own place (a name, a row id). A condition that selects
    /// every credential is `TRUE`, not `1`: PostgreSQL refuses an integer as a condition.
    private static func forEach(
        where condition: String, _ arguments: [any SQLBindable], order: String, _ db: Connection,
        _ authenticator: StateAuthenticator, _ body: (Loaded) throws -> Void
    ) throws {
        let statement = try db.prepare(
            """
            SELECT \(columns), g.project, g.resource, g.permissions
            FROM credentials c LEFT JOIN grants g ON g.credential_id = c.id
            WHERE c.deleted_at IS NULL AND (\(condition)) ORDER BY \(order), g.project, g.resource
            """
        )
        var current: (row: Row, grants: [StoredGrant])?
        try statement.forEach(arguments) { row in
            if let pending = current, pending.row.int64(0) != row.int64(0) {
                try body(load(pending.row, grants: pending.grants, authenticator))
                current = nil
            }
            var grants = current?.grants ?? []
            if let grant = StoredGrant(row, offset: columnCount) { grants.append(grant) }
            current = (current?.row ?? row, grants)
        }
        if let pending = current { try body(load(pending.row, grants: pending.grants, authenticator)) }
    }

    /// Checks a row of ``columns`` and builds its public view.
    private static func load(
        _ row: Row, grants: [StoredGrant], _ authenticator: StateAuthenticator, sealedBy: Int64? = nil
    ) throws -> Loaded {
        let stored = try StoredCredential(row, grants: grants)
        try authenticator.check(stored, newestEvent: sealedBy ?? row.int64(StoredCredential.columnCount))
        guard let kind = CredentialKind(rawValue: stored.kind) else {
            throw StateViolation(table: "credentials", credential: stored.label, problem: .malformed)
        }
        let bookkeeping = StoredCredential.columnCount + 1
        let credential = Credential(
            id: stored.uid,
            name: stored.name ?? "",
            kind: kind,
            isLegacy: stored.legacy == 1,
            scope: Scope(trusted: try stored.grants.map { try grant($0, of: stored) }),
            description: stored.description,
            issuer: stored.issuer,
            apiURL: stored.apiURL,
            createdAt: stored.createdAt,
            expiresAt: stored.expiresAt,
            revokedAt: stored.revokedAt,
            lastUsedAt: row.int64(bookkeeping),
            lastUsedBy: row.string(bookkeeping + 1),
            currentVersion: stored.currentVersion.map(Int.init),
            lastTest: stored.lastTestAt.map { at in
                ConnectionTestResult(passed: stored.lastTestOK == 1, detail: stored.lastTestDetail ?? "", testedAt: at)
            },
            hook: stored.hook
        )
        return Loaded(rowID: stored.rowID, stored: stored, credential: credential)
    }

    private static func grant(_ stored: StoredGrant, of credential: StoredCredential) throws -> Grant {
        do {
            return try Grant(project: stored.project, resource: stored.resource, permissions: Permissions(parsing: stored.permissions))
        } catch {
            throw StateViolation(table: "grants", credential: credential.label, problem: .malformed)
        }
    }
}
