internal import TokenVaultStore

/// Checks the whole authenticated state against the trail, for `audit verify`.
///
/// Every credential (tombstones included) is checked as a read would check it — its MAC, with its
/// grants and current version number; its `state_seq` against its newest state-changing event —
/// and so is every version and name row, which must carry the credential's `state_seq`. The four
/// tables are read once each, in credential order, and merged: no query per credential.
///
/// Beyond what a read checks, it finds rows that were deleted or added: a version missing from
/// the numbers 1…n; a row that belongs to no credential; a name the trail gave a credential (an
/// `add`, `issue` or `rename` event) that its name history lacks; a credential the trail created
/// that has no row.
enum StateVerifier {
    struct Result: Sendable {
        let credentialsChecked: Int64
        /// The first bad row, in credential order, or nil.
        let violation: StateViolation?
    }

    static func check(_ db: Connection, keys: Keyring) throws -> Result {
        let epoch: Int64
        do {
            epoch = try StoredMeta.verifiedEpoch(db, keys: keys)
        } catch let violation as StateViolation {
            return Result(credentialsChecked: 0, violation: violation)
        }
        let authenticator = StateAuthenticator(keys: keys, epoch: epoch)
        var credentials = try Cursor(db, table: "credentials", "SELECT \(StoredCredential.columns), \(CredentialSnapshot.newestEventColumn) FROM credentials c ORDER BY c.id")
        var grants = try Cursor(db, table: "grants", "SELECT credential_id, \(StoredGrant.columns) FROM grants ORDER BY credential_id, project, resource")
        var versions = try Cursor(db, table: "secret_versions", "SELECT \(StoredVersion.columns) FROM secret_versions ORDER BY credential_id, version")
        var names = try Cursor(db, table: "name_history", "SELECT credential_id, \(StoredName.columns) FROM name_history ORDER BY credential_id, named_at, rowid")
        var checked: Int64 = 0
        do {
            while let row = credentials.row {
                guard let rowID = row.int64(0) else { throw StateViolation(table: "credentials", credential: nil, problem: .malformed) }
                for orphans in [grants, versions, names] where (orphans.key ?? .max) < rowID {
                    throw StateViolation(table: orphans.table, credential: nil, problem: .forged)
                }
                let credential = try StoredCredential(row, grants: grants.take(rowID).compactMap { StoredGrant($0, offset: 1) })
                try authenticator.check(credential, newestEvent: row.int64(StoredCredential.columnCount))
                var expectedNumber: Int64 = 1
                for versionRow in try versions.take(rowID) {
                    let version = try StoredVersion(versionRow, credential: credential.label)
                    try authenticator.check(version, of: credential)
                    guard version.version == expectedNumber else {
                        throw StateViolation(table: "secret_versions", credential: credential.label, problem: .missing)
                    }
                    expectedNumber += 1
                }
                for nameRow in try names.take(rowID) {
                    try authenticator.check(StoredName(nameRow, offset: 1, credential: credential.label), of: credential)
                }
                checked += 1
                try credentials.advance()
            }
            for leftover in [grants, versions, names] where leftover.row != nil {
                throw StateViolation(table: leftover.table, credential: nil, problem: .forged)
            }
            try checkAgainstTheTrail(db)
        } catch let violation as StateViolation {
            return Result(credentialsChecked: checked, violation: violation)
        }
        return Result(credentialsChecked: checked, violation: nil)
    }

    /// Every credential the trail created has a row, and every name the trail gave one is in its
    /// name history (the naming events are found through their partial index).
    private static func checkAgainstTheTrail(_ db: Connection) throws {
        let naming = "a.credential_uid IS NOT NULL AND a.outcome = 'ok' AND (a.action = 'add' OR a.action = 'issue' OR a.action = 'rename')"
        if let row = try db.row(
            """
            SELECT a.credential_uid, a.credential_name FROM audit_events a WHERE \(naming) AND a.action != 'rename'
            AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.uid = a.credential_uid) ORDER BY a.seq LIMIT 1
            """
        ) {
            throw StateViolation(table: "credentials", credential: row.string(1) ?? row.string(0), problem: .missing)
        }
        if let row = try db.row(
            """
            SELECT a.credential_name FROM audit_events a WHERE \(naming) AND NOT EXISTS (
                SELECT 1 FROM credentials c JOIN name_history h ON h.credential_id = c.id
                WHERE c.uid = a.credential_uid AND h.name = a.credential_name
            ) ORDER BY a.seq LIMIT 1
            """
        ) {
            throw StateViolation(table: "name_history", credential: row.string(0), problem: .missing)
        }
    }

    /// One query's rows, read in order of their first column (a credential row id), a
    /// credential's worth at a time.
    private struct Cursor {
        let table: String
        private let statement: Statement
        private(set) var row: Row?

        init(_ db: Connection, table: String, _ sql: String) throws {
            self.table = table
            statement = try db.prepare(sql)
            try advance()
        }

        /// The current row's credential row id.
        var key: Int64? { row?.int64(0) }

        mutating func advance() throws {
            row = try statement.step()
        }

        /// The rows of credential `rowID`, which the cursor has reached (no earlier rows left).
        mutating func take(_ rowID: Int64) throws -> [Row] {
            var taken: [Row] = []
            while let row, row.int64(0) == rowID {
                taken.append(row)
                try advance()
            }
            return taken
        }
    }
}
