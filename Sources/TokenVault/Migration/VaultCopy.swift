internal import TokenVaultStore

/// Copies a vault's rows from one connection to another, in either engine, every value as it is
/// stored: ids, sequence numbers, hashes and MACs byte for byte, so that the copy's trail, state
/// and seals verify with the same keys.
///
/// What the vault's encodings bind, and so what must not change on the way: the vault id (the
/// genesis hash, every MAC, the keys' wrapping), the credentials' row ids (their MACs and their
/// versions'), the keys' ids and every audit event's columns. The copy keeps them all, and the
/// name history's row ids too (they order renames). Each engine's `schema_migrations` is its own
/// and is not copied.
///
/// Tables are read in pages ordered by their key (`WHERE (key) > (last) ORDER BY key LIMIT n`),
/// so that neither engine holds a whole table in memory, and written a page per `INSERT`.
enum VaultCopy {
    /// A table the copy carries, and the columns that order (and identify) its rows.
    struct Table: Sendable {
        let name: String
        let key: [String]
    }

    /// Every table of a vault, parents before the rows that refer to them.
    static let tables: [Table] = [
        Table(name: "vault_meta", key: ["singleton"]),
        Table(name: "keys", key: ["id"]),
        Table(name: "seal_keys", key: ["id"]),
        Table(name: "credentials", key: ["id"]),
        // SQLite's implicit row id, a column of its own on PostgreSQL.
        Table(name: "name_history", key: ["rowid"]),
        Table(name: "grants", key: ["credential_id", "project", "resource"]),
        Table(name: "secret_versions", key: ["credential_id", "version"]),
        Table(name: "rotation_leases", key: ["credential_id"]),
        Table(name: "principals", key: ["id"]),
        Table(name: "issuer_policies", key: ["issuer"]),
        Table(name: "audit_events", key: ["seq"]),
    ]

    /// The tables whose ids PostgreSQL generates: their sequences are moved past the copied ids.
    private static let generatedIDs: [(table: String, column: String)] = [
        ("credentials", "id"), ("name_history", "rowid"), ("principals", "id"),
    ]

    /// The most values one statement reads or writes (a page holds this many divided by the
    /// table's columns): below either engine's limit on bound parameters.
    private static let valuesPerPage = 10_000

    /// Copies every row of the vault `source` holds into the empty tables `target` holds, and
    /// returns how many rows each table got; `progress` is called after each page with the rows
    /// copied so far.
    ///
    /// - Throws: ``VaultError/Kind/integrity`` when the source's tables or columns are not the
    ///   target's (a table the copy does not know would be left behind); the store's errors.
    static func copy(from source: Connection, to target: Connection, progress: ((Int64) -> Void)? = nil) throws -> [String: Int64] {
        let known = Set(tables.map(\.name))
        let found = try source.tableNames().subtracting(["schema_migrations"])
        guard found == known else {
            throw VaultError(
                .integrity,
                "the vault's tables are not the ones TokenVault copies (\(found.symmetricDifference(known).sorted().joined(separator: ", ")))")
        }
        var copied: [String: Int64] = [:]
        var total: Int64 = 0
        for table in tables {
            copied[table.name] = try copy(table, columns: try columns(of: table, source, target), from: source, to: target) { rows in
                total += rows
                progress?(total)
            }
        }
        if target.engine == .postgresql {
            for (table, column) in generatedIDs {
                _ = try target.row("SELECT setval(pg_get_serial_sequence(?, ?), max(\(column))) FROM \(table)", [table, column])
            }
        }
        return copied
    }

    /// How many rows each table holds, for comparing a copy with its source.
    static func rowCounts(_ db: Connection) throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for table in tables {
            counts[table.name] = try db.row("SELECT count(*) FROM \(table.name)")?.int64(0) ?? 0
        }
        return counts
    }

    /// The table's columns in the target's order, with its key; the same on both sides.
    private static func columns(of table: Table, _ source: Connection, _ target: Connection) throws -> [String] {
        let declared = try target.columnNames(of: table.name)
        let sourceColumns = Set(try source.columnNames(of: table.name)).union(table.key)
        guard sourceColumns == Set(declared).union(table.key) else {
            throw VaultError(.integrity, "table \(table.name) of the vault has other columns than a TokenVault vault of this version")
        }
        return declared + table.key.filter { !declared.contains($0) }
    }

    /// Copies one table a page at a time; returns the rows copied.
    private static func copy(
        _ table: Table, columns: [String], from source: Connection, to target: Connection, copiedPage: (Int64) -> Void
    ) throws -> Int64 {
        let list = columns.joined(separator: ", ")
        let key = table.key.joined(separator: ", ")
        let keyPositions = table.key.map { name in columns.firstIndex(of: name)! }
        let pageSize = max(1, valuesPerPage / columns.count)
        let firstPage = "SELECT \(list) FROM \(table.name) ORDER BY \(key) LIMIT \(pageSize)"
        let nextPage =
            "SELECT \(list) FROM \(table.name) WHERE (\(key)) > (\(markers(table.key.count))) ORDER BY \(key) LIMIT \(pageSize)"
        let row = "(\(markers(columns.count)))"
        func insert(_ rows: Int) -> String {
            "INSERT INTO \(table.name) (\(list)) VALUES " + repeatElement(row, count: rows).joined(separator: ", ")
        }
        let fullPageInsert = insert(pageSize)
        var copied: Int64 = 0
        var page = try source.rows(firstPage)
        while !page.isEmpty {
            let values: [any SQLBindable] = page.flatMap { row in (0..<row.count).map { row[$0] } }
            try target.execute(page.count == pageSize ? fullPageInsert : insert(page.count), values)
            copied += Int64(page.count)
            copiedPage(Int64(page.count))
            guard page.count == pageSize, let last = page.last else { break }
            page = try source.rows(nextPage, keyPositions.map { last[$0] })
        }
        return copied
    }

    private static func markers(_ count: Int) -> String {
        repeatElement("?", count: count).joined(separator: ", ")
    }
}
