internal import TokenVaultStore

/// A `credentials` row as stored: the values its MAC covers, read as they are in the file.
///
/// Authenticated state is checked on stored values, not on the model built from them, so that
/// nothing a reader derives can differ from what was authenticated.
struct StoredCredential: Sendable, Equatable {
    let rowID: Int64
    let uid: String
    let name: String?
    let kind: String
    let legacy: Int64
    let description: String?
    let issuer: String?
    let apiURL: String?
    let createdAt: Int64
    let expiresAt: Int64?
    let revokedAt: Int64?
    let deletedAt: Int64?
    let lastTestAt: Int64?
    let lastTestOK: Int64?
    let lastTestDetail: String?
    /// The command that rotates, tests and revokes it when a command names none (schema 8).
    let hook: String?
    /// The number of its current secret version (read from `secret_versions`): covered by this
    /// row's MAC, so that which version is current cannot be changed in the versions alone.
    let currentVersion: Int64?
    /// Its grants, in byte order of (project, resource).
    let grants: [StoredGrant]
    let stateSeq: Int64?
    let stateMAC: [UInt8]?

    /// The columns ``init(_:offset:grants:)`` reads, in `SELECT` order, from `credentials c`.
    enum Column: Int, ColumnList {
        case id, uid, name, kind, legacy, description, issuer, apiURL, createdAt, expiresAt, revokedAt, deletedAt
        case lastTestAt, lastTestOK, lastTestDetail, hook, currentVersion, stateSeq, stateMAC

        var sqlExpression: String {
            switch self {
            case .currentVersion: "(SELECT v.version FROM secret_versions v WHERE v.credential_id = c.id AND v.state = 'current')"
            default: columnName
            }
        }
    }

    static let columns = Column.selectList(table: "c")
    static let columnCount = Column.count
    /// The columns of a vault before schema 8, which added ``hook``, as the upgrade to schema 6
    /// reads them (`hook` reads as null, so the row encodes as it did then).
    static let columnsBeforeSchema8 = Column.selectList(table: "c", absent: [.hook])

    /// Reads ``Column`` from `row`, starting at `offset`.
    ///
    /// - Throws: ``StateViolation`` when a column that may not be null is null or of another type.
    init(_ row: Row, offset: Int = 0, grants: [StoredGrant]) throws(StateViolation) {
        func int64(_ column: Column) -> Int64? { row.int64(column, offset: offset) }
        func string(_ column: Column) -> String? { row.string(column, offset: offset) }
        guard let rowID = int64(.id), let uid = string(.uid), let kind = string(.kind), let legacy = int64(.legacy),
            let createdAt = int64(.createdAt)
        else { throw StateViolation(table: "credentials", credential: string(.name), problem: .malformed) }
        self.rowID = rowID
        self.uid = uid
        self.name = string(.name)
        self.kind = kind
        self.legacy = legacy
        self.description = string(.description)
        self.issuer = string(.issuer)
        self.apiURL = string(.apiURL)
        self.createdAt = createdAt
        self.expiresAt = int64(.expiresAt)
        self.revokedAt = int64(.revokedAt)
        self.deletedAt = int64(.deletedAt)
        self.lastTestAt = int64(.lastTestAt)
        self.lastTestOK = int64(.lastTestOK)
        self.lastTestDetail = string(.lastTestDetail)
        self.hook = string(.hook)
        self.currentVersion = int64(.currentVersion)
        self.grants = grants.sorted()
        self.stateSeq = int64(.stateSeq)
        self.stateMAC = row.blob(Column.stateMAC, offset: offset)
    }

    /// How the credential is named in messages: its name, or its id once deleted.
    var label: String { name ?? uid }
}

/// A `grants` row as stored (covered by its credential's MAC).
struct StoredGrant: Sendable, Comparable {
    let project: String
    let resource: String
    let permissions: String

    /// The columns ``init(_:offset:)`` reads, in `SELECT` order.
    enum Column: Int, ColumnList {
        case project, resource, permissions
    }

    static let columns = Column.selectList()

    init(project: String, resource: String, permissions: String) {
        self.project = project
        self.resource = resource
        self.permissions = permissions
    }

    /// Reads ``columns`` from `row` at `offset`; nil when the project column is null (no grant,
    /// in a left join).
    init?(_ row: Row, offset: Int = 0) {
        guard let project = row.string(Column.project, offset: offset) else { return nil }
        self.init(
            project: project, resource: row.string(Column.resource, offset: offset) ?? "",
            permissions: row.string(Column.permissions, offset: offset) ?? ""
        )
    }

    /// Byte order of the UTF-8 text, as SQLite's BINARY collation sorts it, whatever the query.
    static func < (lhs: StoredGrant, rhs: StoredGrant) -> Bool {
        if lhs.project != rhs.project { return lhs.project.utf8.lexicographicallyPrecedes(rhs.project.utf8) }
        return lhs.resource.utf8.lexicographicallyPrecedes(rhs.resource.utf8)
    }
}

/// A `secret_versions` row as stored. The ciphertext is not covered by the row's MAC: it is
/// authenticated by AES-GCM with its own associated data (vault, credential, version, key).
struct StoredVersion: Sendable {
    let credentialRowID: Int64
    let version: Int64
    let state: String
    let keyID: Int64?
    let ciphertext: [UInt8]?
    let fingerprint: [UInt8]
    let createdAt: Int64
    let validUntil: Int64?
    let retireOnFirstUseOf: Int64?
    let firstUsedAt: Int64?
    /// What the issuer said about it, and what it still owes the issuer (schema 8).
    let upstream: StoredUpstream
    let stateSeq: Int64?
    let stateMAC: [UInt8]?

    /// The columns ``init(_:credential:)`` reads, in `SELECT` order.
    enum Column: Int, ColumnList {
        case credentialID, version, state, keyID, ciphertext, fingerprint, createdAt, validUntil
        case retireOnFirstUseOf, firstUsedAt, upstreamID, upstreamExpiresAt, owedStep, owedAttempts, owedDetail, closedAt
        case stateSeq, stateMAC
    }

    static let columns = Column.selectList()
    /// The columns of a vault before schema 8, as for ``StoredCredential/columnsBeforeSchema8``.
    static let columnsBeforeSchema8 = Column.selectList(
        absent: [.upstreamID, .upstreamExpiresAt, .owedStep, .owedAttempts, .owedDetail, .closedAt]
    )

    init(_ row: Row, credential: String) throws(StateViolation) {
        guard let rowID = row.int64(Column.credentialID), let version = row.int64(Column.version),
            let state = row.string(Column.state), let fingerprint = row.blob(Column.fingerprint),
            let createdAt = row.int64(Column.createdAt)
        else { throw StateViolation(table: "secret_versions", credential: credential, problem: .malformed) }
        self.credentialRowID = rowID
        self.version = version
        self.state = state
        self.keyID = row.int64(Column.keyID)
        self.ciphertext = row.blob(Column.ciphertext)
        self.fingerprint = fingerprint
        self.createdAt = createdAt
        self.validUntil = row.int64(Column.validUntil)
        self.retireOnFirstUseOf = row.int64(Column.retireOnFirstUseOf)
        self.firstUsedAt = row.int64(Column.firstUsedAt)
        self.upstream = StoredUpstream(
            id: row.string(Column.upstreamID), expiresAt: row.int64(Column.upstreamExpiresAt), owedStep: row.string(Column.owedStep),
            attempts: row.int64(Column.owedAttempts) ?? 0, detail: row.string(Column.owedDetail), closedAt: row.int64(Column.closedAt)
        )
        self.stateSeq = row.int64(Column.stateSeq)
        self.stateMAC = row.blob(Column.stateMAC)
    }

    /// The version's state; a value outside the four is caught by the row's MAC first.
    var versionState: VersionState? { VersionState(rawValue: state) }

    /// Whether the version may be used at `now`: the current one, or a previous one still in
    /// its grace period.
    func isUsable(at now: UnixTime) -> Bool {
        switch versionState {
        case .current?: true
        case .previous?: validUntil.map { $0 > now } ?? true
        default: false
        }
    }
}

/// A version's columns about its issuer, as stored (covered by the version's MAC).
struct StoredUpstream: Sendable, Equatable {
    /// The issuer's id for the token.
    var id: String?
    /// The token's real expiry, as the issuer reported it.
    var expiresAt: Int64?
    /// `rollback`, `finish` or `revoke`: the hook step still owed, or nil.
    var owedStep: String?
    /// Failed attempts of the owed step so far.
    var attempts: Int64 = 0
    /// How the last attempt failed.
    var detail: String?
    /// When the issuer confirmed the token closed (an owed step succeeded).
    var closedAt: Int64?

    /// Whether every column holds its default: such a version encodes as it did before schema 8.
    var isEmpty: Bool { self == StoredUpstream() }

    /// The owed step, when it is one of the three.
    var owed: UpstreamStep? { owedStep.flatMap(UpstreamStep.init(rawValue:)) }
}

/// A `name_history` row as stored.
struct StoredName: Sendable {
    let name: String
    let namedAt: Int64
    /// SQLite's rowid: the order of renames within one second.
    let rowID: Int64
    let stateSeq: Int64?
    let stateMAC: [UInt8]?

    /// The columns ``init(_:offset:credential:)`` reads, in `SELECT` order.
    enum Column: Int, ColumnList {
        // SQLite: `rowid` is the table's implicit key; elsewhere an identity column.
        case name, namedAt, rowid, stateSeq, stateMAC
    }

    static let columns = Column.selectList()

    init(_ row: Row, offset: Int = 0, credential: String) throws(StateViolation) {
        guard let name = row.string(Column.name, offset: offset), let namedAt = row.int64(Column.namedAt, offset: offset),
            let rowID = row.int64(Column.rowid, offset: offset)
        else { throw StateViolation(table: "name_history", credential: credential, problem: .malformed) }
        self.name = name
        self.namedAt = namedAt
        self.rowID = rowID
        self.stateSeq = row.int64(Column.stateSeq, offset: offset)
        self.stateMAC = row.blob(Column.stateMAC, offset: offset)
    }
}
