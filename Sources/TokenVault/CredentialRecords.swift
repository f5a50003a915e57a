internal import TokenVaultStore

/// Reading credentials from their tables. One place knows the column lists.
enum CredentialRecords {
    /// A live credential's row id and public view.
    struct Loaded {
        let rowID: Int64
        let credential: Credential
    }

    static let columns = """
        c.id, c.uid, c.name, c.kind, c.legacy, c.description, c.issuer, c.api_url, c.created_at,
        c.expires_at, c.revoked_at, c.last_used_at, c.last_used_by,
        (SELECT v.version FROM secret_versions v WHERE v.credential_id = c.id AND v.state = 'current'),
        c.last_test_at, c.last_test_ok, c.last_test_detail
        """
    /// How many values ``columns`` selects.
    static let columnCount = 17

    // Built once: the statement cache is keyed by the SQL text, and a fetch should not pay for
    // building it again.
    private static let byNameSQL = "SELECT \(columns) FROM credentials c WHERE c.name = ?"
    private static let byRowIDSQL = "SELECT \(columns) FROM credentials c WHERE c.id = ?"

    /// The live (not deleted) credential named `name`.
    static func live(named name: String, _ db: Connection) throws -> Loaded? {
        guard let row = try db.row(byNameSQL, [name]) else { return nil }
        return try load(row, grants: grants(of: row.int64(0) ?? 0, db))
    }

    /// The credential with row id `rowID`, live or not (a tombstone has no name).
    static func byRowID(_ rowID: Int64, _ db: Connection) throws -> Loaded? {
        guard let row = try db.row(byRowIDSQL, [rowID]) else { return nil }
        return try load(row, grants: grants(of: rowID, db))
    }

    /// Every live credential matching an SQL condition on `c`, with their grants, by name:
    /// ``forEach(where:_:selective:_:_:)`` collected.
    static func all(
        where condition: String, _ arguments: [any SQLBindable], selective: Bool, _ db: Connection
    ) throws -> [Loaded] {
        var loaded: [Loaded] = []
        try forEach(where: condition, arguments, selective: selective, db) { loaded.append($0) }
        return loaded
    }

    /// Calls `body` with every live credential matching an SQL condition on `c`, by name, one at
    /// a time: one joined query read row by row, so memory stays flat whatever the vault's size.
    ///
    /// - Parameter selective: the condition picks few credentials through an index (the expiry
    ///   index). SQLite is then told not to order by the name index (`+c.name`), which would walk
    ///   every credential, and sorts the few it found instead; otherwise the name index gives the
    ///   order and nothing is sorted.
    static func forEach(
        where condition: String, _ arguments: [any SQLBindable], selective: Bool, _ db: Connection,
        _ body: (Loaded) throws -> Void
    ) throws {
        let nameOrder = selective ? "+c.name" : "c.name"
        let statement = try db.prepare(
            """
            SELECT \(columns), g.project, g.resource, g.permissions FROM credentials c
            LEFT JOIN grants g ON g.credential_id = c.id
            WHERE c.deleted_at IS NULL AND (\(condition)) ORDER BY \(nameOrder), g.project, g.resource
            """
        )
        let grantOffset = columnCount
        var current: (row: Row, grants: [Grant])?
        try statement.forEach(arguments) { row in
            if let pending = current, pending.row.int64(0) != row.int64(0) {
                try body(load(pending.row, grants: pending.grants))
                current = nil
            }
            var grants = current?.grants ?? []
            if row.string(grantOffset) != nil { grants.append(try grant(row, offset: grantOffset)) }
            current = (current?.row ?? row, grants)
        }
        if let pending = current { try body(load(pending.row, grants: pending.grants)) }
    }

    private static func grants(of rowID: Int64, _ db: Connection) throws -> [Grant] {
        try db.rows("SELECT project, resource, permissions FROM grants WHERE credential_id = ? ORDER BY 1, 2", [rowID])
            .map { row in try grant(row, offset: 0) }
    }

    private static func grant(_ row: Row, offset: Int) throws -> Grant {
        do {
            return try Grant(
                project: row.string(offset) ?? "",
                resource: row.string(offset + 1) ?? "",
                permissions: Permissions(parsing: row.string(offset + 2) ?? "")
            )
        } catch {
            throw VaultError(.integrity, "a stored grant is malformed (the vault file was altered)")
        }
    }

    private static func load(_ row: Row, grants: [Grant]) throws -> Loaded {
        guard let rowID = row.int64(0), let id = row.string(1),
            let kind = row.string(3).flatMap(CredentialKind.init(rawValue:))
        else { throw VaultError(.integrity, "a stored credential is malformed (the vault file was altered)") }
        let credential = Credential(
            id: id,
            name: row.string(2) ?? "",
            kind: kind,
            isLegacy: row.int64(4) == 1,
            scope: Scope(trusted: grants),
            description: row.string(5),
            issuer: row.string(6),
            apiURL: row.string(7),
            createdAt: row.int64(8) ?? 0,
            expiresAt: row.int64(9),
            revokedAt: row.int64(10),
            lastUsedAt: row.int64(11),
            lastUsedBy: row.string(12),
            currentVersion: row.int64(13).map(Int.init),
            lastTest: row.int64(14).map { at in
                ConnectionTestResult(passed: row.int64(15) == 1, detail: row.string(16) ?? "", testedAt: at)
            }
        )
        return Loaded(rowID: rowID, credential: credential)
    }
}
