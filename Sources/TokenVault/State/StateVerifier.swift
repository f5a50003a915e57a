internal import TokenVaultCrypto
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
/// that has no row. Principals and issuer policies are checked the same way, against their own
/// events.
enum StateVerifier {
    struct Result: Sendable {
        let credentialsChecked: Int64
        /// The first bad row, in credential order, or nil.
        let violation: StateViolation?
    }

    /// Checks the state in the vault at `location`, in `parts` ranges of credential row ids read
    /// in parallel on one snapshot (``ParallelSnapshot``), each with its own HMAC context under
    /// the state key. The violation named is the one with the lowest credential row id, the same
    /// one a single walk from the first credential stops at.
    static func check(location: StoreLocation, options: Connection.Options, keys: Keyring, parts: Int) throws -> Result {
        let epoch: Int64
        do {
            epoch = try StoredMeta.verifiedEpoch(Connection(location: location, options: options), keys: keys)
        } catch let violation as StateViolation {
            return Result(credentialsChecked: 0, violation: violation)
        }
        let vaultID = keys.vaultID
        let stateKey = keys.stateKey
        let results = try ParallelSnapshot.read(location: location, options: options, parts: parts) { part, parts, db in
            try checkPart(part, of: parts, db, vaultID: vaultID, stateKey: stateKey, epoch: epoch)
        }
        return combine(results)
    }

    /// Checks the state as `db` sees it, on that one connection, in parts of about
    /// `credentialsPerPart` credentials one after another (a PostgreSQL statement's rows are held
    /// in memory until it ends): for state inside a transaction that has not committed (the copy
    /// of ``Vault/migrate(to:progress:)``).
    static func check(_ db: Connection, keys: Keyring, credentialsPerPart: Int64 = 20_000) throws -> Result {
        let epoch: Int64
        do {
            epoch = try StoredMeta.verifiedEpoch(db, keys: keys)
        } catch let violation as StateViolation {
            return Result(credentialsChecked: 0, violation: violation)
        }
        let parts = Int(min(max(0, try CredentialTable.maxRowID(db) ?? 0) / credentialsPerPart + 1, 1 << 20))
        return combine(
            try (0..<parts).map { part in try checkPart(part, of: parts, db, vaultID: keys.vaultID, stateKey: keys.stateKey, epoch: epoch) }
        )
    }

    /// What one part of a check found: its range of credentials, and (part 0) the checks
    /// against the trail.
    private struct PartResult: Sendable {
        let range: Result
        let trail: StateViolation?
    }

    /// Checks part `part` of `parts`: the credentials in its share of the row ids, and in part 0
    /// the trail's, principals' and issuer policies' checks.
    private static func checkPart(
        _ part: Int, of parts: Int, _ db: Connection, vaultID: [UInt8], stateKey: SymmetricKey, epoch: Int64
    ) throws -> PartResult {
        let authenticator = StateAuthenticator(vaultID: vaultID, mac: try HMACContext(key: stateKey), epoch: epoch)
        let last = try CredentialTable.maxRowID(db) ?? 0
        // Part k covers (bound(k), bound(k + 1)]; the first also takes any id below 1, the last any above.
        func bound(_ k: Int) -> Int64 { last / Int64(parts) * Int64(k) + last % Int64(parts) * Int64(k) / Int64(parts) }
        let low = part == 0 ? Int64.min : bound(part) + 1
        let high = part == parts - 1 ? Int64.max : bound(part + 1)
        let range = low <= high ? try checkRange(low...high, db, authenticator) : Result(credentialsChecked: 0, violation: nil)
        var trail: StateViolation?
        if part == 0 {
            do {
                try checkAgainstTheTrail(db)
                try checkPrincipals(db, authenticator)
                try checkIssuerPolicies(db, authenticator)
            } catch let violation as StateViolation { trail = violation }
        }
        return PartResult(range: range, trail: trail)
    }

    /// The rows in credential order first, as one walk would find them; then the trail's checks.
    private static func combine(_ results: [PartResult]) -> Result {
        Result(
            credentialsChecked: results.reduce(0) { $0 + $1.range.credentialsChecked },
            violation: results.lazy.compactMap(\.range.violation).first ?? results[0].trail
        )
    }

    /// Checks the credentials whose row ids are in `range`, with their grants, versions and names:
    /// the four tables read once each, in credential order, and merged.
    private static func checkRange(_ range: ClosedRange<Int64>, _ db: Connection, _ authenticator: StateAuthenticator) throws -> Result {
        let bounds: [any SQLBindable] = [range.lowerBound, range.upperBound]
        var credentials = try Cursor(db, table: "credentials", CredentialTable.rangeSQL, bounds)
        var grants = try Cursor(db, table: "grants", GrantTable.rangeSQL, bounds)
        var versions = try Cursor(db, table: "secret_versions", SecretVersionTable.rangeSQL, bounds)
        var names = try Cursor(db, table: "name_history", NameHistoryTable.rangeSQL, bounds)
        var checked: Int64 = 0
        do {
            while let row = credentials.row {
                guard let rowID = row.int64(0) else { throw StateViolation(table: "credentials", credential: nil, problem: .malformed) }
                for orphans in [grants, versions, names] where (orphans.key ?? .max) < rowID {
                    throw StateViolation(table: orphans.table, credential: nil, problem: .forged)
                }
                let snapshot = try CredentialSnapshot.checked(
                    row, grants: grants.take(rowID).compactMap { StoredGrant($0, offset: 1) }, versionRows: versions.take(rowID),
                    nameRows: names.take(rowID), nameOffset: 1, authenticator
                )
                // Versions are numbered 1…n: a gap is a deleted row.
                for (index, version) in snapshot.versions.enumerated() where version.version != Int64(index + 1) {
                    throw StateViolation(table: "secret_versions", credential: snapshot.credential.label, problem: .missing)
                }
                checked += 1
                try credentials.advance()
            }
            for leftover in [grants, versions, names] where leftover.row != nil {
                throw StateViolation(table: leftover.table, credential: nil, problem: .forged)
            }
        } catch let violation as StateViolation {
            return Result(credentialsChecked: checked, violation: violation)
        }
        return Result(credentialsChecked: checked, violation: nil)
    }

    /// Every credential the trail created has a row, and every name the trail gave one is in its
    /// name history. Both queries read the few naming events through their own index
    /// (``AuditEventTable``); there are fewer violations, and the earliest is picked.
    private static func checkAgainstTheTrail(_ db: Connection) throws {
        // The reads' freshness and these checks go through two partial indexes of the trail:
        // first, that each holds exactly the events of its table it should.
        if let (index, credential) = try AuditEventTable.firstIndexMismatch(db) {
            throw StateViolation(
                table: index, credential: try credential.map { uid in try CredentialTable.label(ofUID: uid, db) }, problem: .inconsistentIndex
            )
        }
        if let (uid, name) = try AuditEventTable.earliestCreationWithoutRow(db) {
            throw StateViolation(table: "credentials", credential: name ?? uid, problem: .missing)
        }
        if let (uid, name) = try AuditEventTable.earliestNamingWithoutHistory(db) {
            throw StateViolation(table: "name_history", credential: name ?? uid, problem: .missing)
        }
    }

    /// Every principal's row (MAC and freshness), and a row for every principal the trail added
    /// and did not remove.
    private static func checkPrincipals(_ db: Connection, _ authenticator: StateAuthenticator) throws {
        for (stored, newest) in try PrincipalTable.all(db) {
            try authenticator.check(stored, newestEvent: newest)
        }
        if let (uid, name) = try PrincipalTable.earliestAddedWithoutRow(db) {
            throw StateViolation(table: "principals", credential: name ?? uid, problem: .missing)
        }
    }

    /// Every issuer policy's row (MAC and freshness; tombstones included), and a row for every
    /// policy the trail changed: a removed policy keeps its row, so none may be missing.
    private static func checkIssuerPolicies(_ db: Connection, _ authenticator: StateAuthenticator) throws {
        for (stored, newest) in try IssuerPolicyTable.all(db) {
            try authenticator.check(stored, newestEvent: newest)
        }
        if let (uid, issuer) = try IssuerPolicyTable.earliestChangedWithoutRow(db) {
            throw StateViolation(table: "issuer_policies", credential: issuer ?? uid, problem: .missing)
        }
    }

    /// One query's rows, read in order of their first column (a credential row id), a
    /// credential's worth at a time.
    private struct Cursor {
        let table: String
        private let statement: Statement
        private(set) var row: Row?

        init(_ db: Connection, table: String, _ sql: String, _ arguments: [any SQLBindable]) throws {
            self.table = table
            statement = try db.prepare(sql)
            try statement.bind(arguments)
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
