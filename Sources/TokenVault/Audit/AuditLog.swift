internal import TokenVaultCrypto
internal import TokenVaultStore

/// Appends events to the hash-chained, MACed audit trail (docs/audit-format.md).
///
/// Each event's hash is `SHA-256(previous hash ‖ canonical encoding of the event)`, and its
/// MAC is `HMAC-SHA256(audit key, hash)`. The first event's "previous hash" is a genesis
/// value bound to the vault id. An append always happens inside the caller's write
/// transaction, so an operation and its event commit or vanish together (fail-closed).
enum AuditLog {
    static func genesisHash(vaultID: [UInt8]) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/audit-genesis")
        encoder.append(vaultID)
        return SHA256.hash(encoder.bytes)
    }

    /// The domain of an event's encoding (static storage, so the walk can hash it in place).
    static var eventDomainUTF8: StaticString { "tokenvault/v1/audit-event" }
    static let eventDomain = eventDomainUTF8.description

    /// The canonical encoding of an event's content, hashed into the chain.
    static func encode(_ event: AuditEvent) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: eventDomain)
        encoder.append(event.sequence)
        encoder.append(event.time)
        encoder.append(event.actor)
        encoder.append(event.action.rawValue)
        encoder.append(event.credentialID)
        encoder.append(event.credentialName)
        encoder.append(event.needProject)
        encoder.append(event.needResource)
        encoder.append(event.needPermissions)
        encoder.append(event.outcome.rawValue)
        encoder.append(event.reason)
        encoder.append(event.version)
        // Appended only when set, so that events written before authenticated state (which had
        // no such field) encode, and verify, exactly as they did.
        // The identity fields (schema 7) follow, with the flag then always written: an event with
        // them never encodes like one without.
        if let kind = event.actorKind {
            encoder.append(Int64(event.changesState ? 1 : 0))
            encoder.append(kind.rawValue)
            encoder.append(event.peer)
            encoder.append(event.onBehalfOf)
        } else if event.changesState {
            encoder.append(Int64(1))
        }
        return encoder.bytes
    }

    static func chainHash(previous: [UInt8], event: AuditEvent) -> [UInt8] {
        SHA256.hash(previous + encode(event))
    }

    /// The sequence number the next appended event gets, in the caller's transaction.
    static func nextSequence(_ db: Connection) throws -> Int64 {
        (try AuditEventTable.lastSequence(db) ?? 0) + 1
    }

    /// Appends `record` as the next event of the chain.
    ///
    /// - Throws: ``VaultError/Kind/failed`` when `record` sealed state under another sequence
    ///   number than the one the event gets (a programming error: nothing is written).
    @discardableResult
    static func append(_ record: AuditRecord, caller: Caller, at time: UnixTime, keys: Keyring, db: Connection) throws -> AuditEvent {
        let head = try AuditEventTable.head(db)
        let previous = head?.hash ?? genesisHash(vaultID: keys.vaultID)
        let sequence = (head?.seq ?? 0) + 1
        if let sealed = record.stateSeq, sealed != sequence {
            throw VaultError(.failed, "state was sealed under event \(sealed) but the event is \(sequence)")
        }
        let event = AuditEvent(
            sequence: sequence,
            time: time,
            actor: caller.actor,
            action: record.action,
            credentialID: record.credentialID,
            credentialName: record.credentialName,
            needProject: record.need?.project,
            needResource: record.need?.resource,
            needPermissions: record.need?.permissions?.description,
            outcome: record.outcome,
            reason: record.reason,
            version: record.version,
            changesState: record.stateSeq != nil,
            actorKind: caller.kind,
            peer: caller.peer,
            onBehalfOf: caller.onBehalfOf
        )
        let hash = chainHash(previous: previous, event: event)
        let mac = keys.auditMAC.authenticate(hash)
        try AuditEventTable.insert(db, event, hash: hash, mac: mac)
        return event
    }

    /// The columns of an event, in `SELECT` order (``selectColumns``); the walk reads `hash` and
    /// `mac` right after them.
    enum Column: Int, ColumnList {
        case seq, at, actor, action, credentialUID, credentialName, needProject, needResource
        case needPermission, outcome, reason, version, changesState, actorKind, peer, onBehalfOf

        /// The columns schema 7 added: who the actor is.
        var isIdentity: Bool { self == .actorKind || self == .peer || self == .onBehalfOf }
    }

    static let selectColumns = Column.selectList()

    /// Appends the canonical encoding of `statement`'s current row (the columns of
    /// ``selectColumns``, in that order) to `buffer`: the bytes of `encode(event(from: row))`,
    /// read from SQLite's buffers in place instead of building the event. For the audit walk.
    ///
    /// Text is encoded exactly as stored. (A `String` would first replace invalid UTF-8, which no
    /// append ever writes, so that a tampered value could encode like the original.)
    ///
    /// - Parameter sequence: the row's `seq` (column 0), which the caller has read already.
    static func encodeCurrentRow(of statement: Statement, sequence: Int64, into buffer: EncodingBuffer) {
        let domain = eventDomainUTF8
        buffer.append(.text(UnsafeRawBufferPointer(start: domain.utf8Start, count: domain.utf8CodeUnitCount)))
        buffer.append(.integer(sequence))  // seq
        buffer.append(integer(statement.column(at: Column.at.rawValue), optional: false))  // at
        buffer.append(text(statement.column(at: Column.actor.rawValue), optional: false))  // actor
        buffer.append(text(statement.column(at: Column.action.rawValue), optional: false))  // action
        buffer.append(text(statement.column(at: Column.credentialUID.rawValue), optional: true))  // credential_uid
        buffer.append(text(statement.column(at: Column.credentialName.rawValue), optional: true))  // credential_name
        buffer.append(text(statement.column(at: Column.needProject.rawValue), optional: true))  // need_project
        buffer.append(text(statement.column(at: Column.needResource.rawValue), optional: true))  // need_resource
        buffer.append(text(statement.column(at: Column.needPermission.rawValue), optional: true))  // need_permission
        buffer.append(text(statement.column(at: Column.outcome.rawValue), optional: false))  // outcome
        buffer.append(text(statement.column(at: Column.reason.rawValue), optional: true))  // reason
        buffer.append(integer(statement.column(at: Column.version.rawValue), optional: true))  // version
        // changes_state: encoded when not 0 (any value but 0 and 1 is refused by the schema, and
        // would not match the hash of an event written by an append).
        let flag: Int64
        if case .integer(let value) = statement.column(at: Column.changesState.rawValue) { flag = value } else { flag = 0 }
        // The identity fields, as `encode` writes them: after the flag, when actor_kind is set.
        if case .text(let kind) = statement.column(at: Column.actorKind.rawValue) {
            buffer.append(.integer(flag))
            buffer.append(.text(kind))
            buffer.append(text(statement.column(at: Column.peer.rawValue), optional: true))
            buffer.append(text(statement.column(at: Column.onBehalfOf.rawValue), optional: true))
        } else if flag != 0 {
            buffer.append(.integer(flag))
        }
    }

    /// An integer column as `event(from:)` reads it: anything else is null when optional, else 0.
    private static func integer(_ column: ColumnView, optional: Bool) -> CanonicalField {
        if case .integer(let value) = column { return .integer(value) }
        return optional ? .null : .integer(0)
    }

    /// A text column as `event(from:)` reads it: anything else is null when optional, else "".
    private static func text(_ column: ColumnView, optional: Bool) -> CanonicalField {
        if case .text(let utf8) = column { return .text(utf8) }
        return optional ? .null : .text(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// The event in a row of ``selectColumns``.
    ///
    /// - Throws: ``VaultError/Kind/integrity`` for a row whose action or outcome is none that
    ///   TokenVault writes, or whose required columns are missing: the file was altered (and
    ///   `audit verify` names the event).
    static func event(from row: Row) throws(VaultError) -> AuditEvent {
        guard let sequence = row.int64(Column.seq), let time = row.int64(Column.at), let actor = row.string(Column.actor),
            let action = row.string(Column.action).flatMap(AuditAction.init(rawValue:)),
            let outcome = row.string(Column.outcome).flatMap(AuditOutcome.init(rawValue:))
        else {
            throw VaultError(
                .integrity, "audit event \(row.int64(Column.seq) ?? 0) is malformed: the vault was altered",
                hint: "run `tokenvault audit verify`"
            )
        }
        return AuditEvent(
            sequence: sequence,
            time: time,
            actor: actor,
            action: action,
            credentialID: row.string(Column.credentialUID),
            credentialName: row.string(Column.credentialName),
            needProject: row.string(Column.needProject),
            needResource: row.string(Column.needResource),
            needPermissions: row.string(Column.needPermission),
            outcome: outcome,
            reason: row.string(Column.reason),
            version: row.int64(Column.version),
            changesState: row.int64(Column.changesState) == 1,
            actorKind: row.string(Column.actorKind).flatMap(ActorKind.init(rawValue:)),
            peer: row.string(Column.peer),
            onBehalfOf: row.string(Column.onBehalfOf)
        )
    }
}
