internal import TokenVaultStore

/// The `grants` table: what a credential may be used for, one row per (project, resource),
/// covered by its credential's MAC. ``StoredGrant`` decodes a row.
enum GrantTable {
    private static let insertSQL = "INSERT INTO grants (credential_id, project, resource, permissions) VALUES (?, ?, ?, ?)"
    private static let deleteSQL = "DELETE FROM grants WHERE credential_id = ?"
    private static let ofCredentialSQL = "SELECT \(StoredGrant.columns) FROM grants WHERE credential_id = ? ORDER BY 1, 2"

    /// The grants of the credentials whose row ids are in a range (two arguments), each row
    /// starting with its credential's row id, in credential order: for the state verifier's merge.
    static let rangeSQL =
        "SELECT credential_id, \(StoredGrant.columns) FROM grants WHERE credential_id BETWEEN ? AND ? ORDER BY credential_id, project, resource"

    static func insert(_ db: Connection, credential rowID: Int64, _ grant: Grant) throws {
        try db.execute(insertSQL, [rowID, grant.project, grant.resource, grant.permissions.description])
    }

    static func deleteAll(_ db: Connection, credential rowID: Int64) throws {
        try db.execute(deleteSQL, [rowID])
    }

    /// The grants of a credential, as stored.
    static func stored(_ db: Connection, credential rowID: Int64) throws -> [StoredGrant] {
        try db.rows(ofCredentialSQL, [rowID]).compactMap { StoredGrant($0) }
    }
}
