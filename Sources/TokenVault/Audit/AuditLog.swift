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
        encoder.append(event.action)
        encoder.append(event.credentialID)
        encoder.append(event.credentialName)
        encoder.append(event.needProject)
        encoder.append(event.needResource)
        encoder.append(event.needPermissions)
        encoder.append(event.outcome)
        encoder.append(event.reason)
        encoder.append(event.version)
        return encoder.bytes
    }

    static func chainHash(previous: [UInt8], event: AuditEvent) -> [UInt8] {
        SHA256.hash(previous + encode(event))
    }

    /// Appends `record` as the next event of the chain.
    @discardableResult
    static func append(_ record: AuditRecord, actor: String, at time: UnixTime, keys: Keyring, db: Connection) throws -> AuditEvent {
        let head = try db.row("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        let previous = head?.blob(1) ?? genesisHash(vaultID: keys.vaultID)
        let event = AuditEvent(
            sequence: (head?.int64(0) ?? 0) + 1,
            time: time,
            actor: actor,
            action: record.action.rawValue,
            credentialID: record.credentialID,
            credentialName: record.credentialName,
            needProject: record.need?.project,
            needResource: record.need?.resource,
            needPermissions: record.need?.permissions?.description,
            outcome: record.outcome.rawValue,
            reason: record.reason,
            version: record.version
        )
        let hash = chainHash(previous: previous, event: event)
        let mac = keys.auditMAC.authenticate(hash)
        try db.execute(
            """
            INSERT INTO audit_events (seq, at, actor, action, credential_uid, credential_name, need_project,
                need_resource, need_permission, outcome, reason, version, hash, mac)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                event.sequence, event.time, event.actor, event.action, event.credentialID, event.credentialName,
                event.needProject, event.needResource, event.needPermissions, event.outcome, event.reason,
                event.version, hash, mac,
            ]
        )
        return event
    }

    static let selectColumns = """
        seq, at, actor, action, credential_uid, credential_name, need_project, need_resource,
        need_permission, outcome, reason, version
        """

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
        buffer.append(integer(statement.column(at: 1), optional: false))  // at
        buffer.append(text(statement.column(at: 2), optional: false))  // actor
        buffer.append(text(statement.column(at: 3), optional: false))  // action
        buffer.append(text(statement.column(at: 4), optional: true))  // credential_uid
        buffer.append(text(statement.column(at: 5), optional: true))  // credential_name
        buffer.append(text(statement.column(at: 6), optional: true))  // need_project
        buffer.append(text(statement.column(at: 7), optional: true))  // need_resource
        buffer.append(text(statement.column(at: 8), optional: true))  // need_permission
        buffer.append(text(statement.column(at: 9), optional: false))  // outcome
        buffer.append(text(statement.column(at: 10), optional: true))  // reason
        buffer.append(integer(statement.column(at: 11), optional: true))  // version
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

    static func event(from row: Row) -> AuditEvent {
        AuditEvent(
            sequence: row.int64(0) ?? 0,
            time: row.int64(1) ?? 0,
            actor: row.string(2) ?? "",
            action: row.string(3) ?? "",
            credentialID: row.string(4),
            credentialName: row.string(5),
            needProject: row.string(6),
            needResource: row.string(7),
            needPermissions: row.string(8),
            outcome: row.string(9) ?? "",
            reason: row.string(10),
            version: row.int64(11)
        )
    }
}
