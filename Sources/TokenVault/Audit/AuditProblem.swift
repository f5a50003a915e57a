/// The first problem found in an audit trail.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// An event's sequence number is missing: it was deleted.
        case missing
        /// An event does not match its recorded hash: it was edited, or the event before it
        /// was deleted, inserted or moved.
        case altered
        /// An event's hash is consistent but its MAC is not: the chain was recomputed by someone
        /// without the audit key.
        case forged
        /// The trail is shorter than a seal says: events were cut off, or the file rolled back.
        case truncated
        /// The trail's event at the sealed position differs from the seal: rewritten or rolled back.
        case sealMismatch
        /// A state row (a credential, its grants, versions or names, the vault header) fails its
        /// MAC or is malformed: written by someone without the key.
        case stateForged
        /// A state row is authentic but older than its credential's newest state-changing event:
        /// restored from an older copy.
        case stateStale
        /// A state row the trail or the credential's state requires is gone.
        case stateMissing
    }

    public let kind: Kind
    /// The first bad event (for `truncated`, the first event the seal covers that is gone); for
    /// a state problem, 0.
    public let sequence: Int64
    public let description: String
    /// For a state problem: the table of the first bad row.
    public let table: String?
    /// For a state problem: the credential the row belongs to (its name, or its id once deleted).
    public let credential: String?

    public init(kind: Kind, sequence: Int64, description: String, table: String? = nil, credential: String? = nil) {
        self.kind = kind
        self.sequence = sequence
        self.description = description
        self.table = table
        self.credential = credential
    }
}

/// What a verification found.
public struct AuditReport: Sendable {
    /// Events read and checked.
    public let eventsChecked: Int64
    /// The hash of the last good event (the chain head when intact).
    public let headHash: [UInt8]
    /// The first problem, or nil when the trail is intact.
    public let problem: AuditProblem?
    /// With a seal: how many events follow the sealed position (not covered by the seal).
    public let eventsAfterSeal: Int64?
    /// With the vault's key: how many credentials' state was checked against the trail (nil
    /// for a verification without the key, which cannot check state).
    public let credentialsChecked: Int64?

    public var isIntact: Bool { problem == nil }

    init(eventsChecked: Int64, headHash: [UInt8], problem: AuditProblem?, eventsAfterSeal: Int64?, credentialsChecked: Int64? = nil) {
        self.eventsChecked = eventsChecked
        self.headHash = headHash
        self.problem = problem
        self.eventsAfterSeal = eventsAfterSeal
        self.credentialsChecked = credentialsChecked
    }
}

extension AuditProblem {
    init(state violation: StateViolation) {
        let kind: Kind
        switch violation.problem {
        case .forged, .malformed, .inconsistentIndex: kind = .stateForged
        case .stale: kind = .stateStale
        case .missing: kind = .stateMissing
        }
        self.init(kind: kind, sequence: 0, description: violation.message, table: violation.table, credential: violation.credential)
    }

    static func missing(_ sequence: Int64) -> AuditProblem {
        AuditProblem(kind: .missing, sequence: sequence, description: "event \(sequence) is missing (deleted)")
    }

    static func altered(_ sequence: Int64) -> AuditProblem {
        AuditProblem(
            kind: .altered, sequence: sequence,
            description: "event \(sequence) does not match its hash: it was edited, or an event before it was deleted, inserted or moved"
        )
    }

    static func forged(_ sequence: Int64) -> AuditProblem {
        AuditProblem(
            kind: .forged, sequence: sequence,
            description: "event \(sequence) has a valid hash but an invalid MAC: the chain was rewritten without the audit key"
        )
    }

    static func sealMismatch(_ sequence: Int64) -> AuditProblem {
        AuditProblem(
            kind: .sealMismatch, sequence: sequence,
            description: "event \(sequence) differs from the sealed one: the trail was rewritten or rolled back"
        )
    }

    static func truncated(checked: Int64, sealed: Int64) -> AuditProblem {
        AuditProblem(
            kind: .truncated, sequence: checked + 1,
            description: "the trail has \(checked) events but the seal covers \(sealed): events were cut off or the file was rolled back"
        )
    }
}
