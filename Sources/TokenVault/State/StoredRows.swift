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
    /// The number of its current secret version (read from `secret_versions`): covered by this
    /// row's MAC, so that which version is current cannot be changed in the versions alone.
    let currentVersion: Int64?
    /// Its grants, in byte order of (project, resource).
    let grants: [StoredGrant]
    let stateSeq: Int64?
    let stateMAC: [UInt8]?

    /// The columns ``init(_:offset:grants:)`` reads, in order, from `credentials c`.
    static let columns = """
        c.id, c.uid, c.name, c.kind, c.legacy, c.description, c.issuer, c.api_url, c.created_at, c.expires_at,
        c.revoked_at, c.deleted_at, c.last_test_at, c.last_test_ok, c.last_test_detail,
        (SELECT v.version FROM secret_versions v WHERE v.credential_id = c.id AND v.state = 'current'),
        c.state_seq, c.state_mac
        """
    static let columnCount = 18

    /// Reads ``columns`` from `row`, starting at `offset`.
    ///
    /// - Throws: ``StateViolation`` when a column that may not be null is null or of another type.
    init(_ row: Row, offset: Int = 0, grants: [StoredGrant]) throws(StateViolation) {
        guard let rowID = row.int64(offset), let uid = row.string(offset + 1), let kind = row.string(offset + 3),
            let legacy = row.int64(offset + 4), let createdAt = row.int64(offset + 8)
        else { throw StateViolation(table: "credentials", credential: row.string(offset + 2), problem: .malformed) }
        self.rowID = rowID
        self.uid = uid
        self.name = row.string(offset + 2)
        self.kind = kind
        self.legacy = legacy
        self.description = row.string(offset + 5)
        self.issuer = row.string(offset + 6)
        self.apiURL = row.string(offset + 7)
        self.createdAt = createdAt
        self.expiresAt = row.int64(offset + 9)
        self.revokedAt = row.int64(offset + 10)
        self.deletedAt = row.int64(offset + 11)
        self.lastTestAt = row.int64(offset + 12)
        self.lastTestOK = row.int64(offset + 13)
        self.lastTestDetail = row.string(offset + 14)
        self.currentVersion = row.int64(offset + 15)
        self.grants = grants.sorted()
        self.stateSeq = row.int64(offset + 16)
        self.stateMAC = row.blob(offset + 17)
    }

    /// How the credential is named in messages: its name, or its id once deleted.
    var label: String { name ?? uid }
}

/// A `grants` row as stored (covered by its credential's MAC).
struct StoredGrant: Sendable, Comparable {
    let project: String
    let resource: String
    let permissions: String

    static let columns = "project, resource, permissions"

    init(project: String, resource: String, permissions: String) {
        self.project = project
        self.resource = resource
        self.permissions = permissions
    }

    /// Reads ``columns`` from `row` at `offset`; nil when the project column is null (no grant,
    /// in a left join).
    init?(_ row: Row, offset: Int = 0) {
        guard let project = row.string(offset) else { return nil }
        self.init(project: project, resource: row.string(offset + 1) ?? "", permissions: row.string(offset + 2) ?? "")
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
    let stateSeq: Int64?
    let stateMAC: [UInt8]?

    static let columns = """
        credential_id, version, state, key_id, ciphertext, fingerprint, created_at, valid_until,
        retire_on_first_use_of, first_used_at, state_seq, state_mac
        """

    init(_ row: Row, credential: String) throws(StateViolation) {
        guard let rowID = row.int64(0), let version = row.int64(1), let state = row.string(2),
            let fingerprint = row.blob(5), let createdAt = row.int64(6)
        else { throw StateViolation(table: "secret_versions", credential: credential, problem: .malformed) }
        self.credentialRowID = rowID
        self.version = version
        self.state = state
        self.keyID = row.int64(3)
        self.ciphertext = row.blob(4)
        self.fingerprint = fingerprint
        self.createdAt = createdAt
        self.validUntil = row.int64(7)
        self.retireOnFirstUseOf = row.int64(8)
        self.firstUsedAt = row.int64(9)
        self.stateSeq = row.int64(10)
        self.stateMAC = row.blob(11)
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

/// A `name_history` row as stored.
struct StoredName: Sendable {
    let name: String
    let namedAt: Int64
    /// SQLite's rowid: the order of renames within one second.
    let rowID: Int64
    let stateSeq: Int64?
    let stateMAC: [UInt8]?

    static let columns = "name, named_at, rowid, state_seq, state_mac"

    init(_ row: Row, offset: Int = 0, credential: String) throws(StateViolation) {
        guard let name = row.string(offset), let namedAt = row.int64(offset + 1), let rowID = row.int64(offset + 2) else {
            throw StateViolation(table: "name_history", credential: credential, problem: .malformed)
        }
        self.name = name
        self.namedAt = namedAt
        self.rowID = rowID
        self.stateSeq = row.int64(offset + 3)
        self.stateMAC = row.blob(offset + 4)
    }
}
