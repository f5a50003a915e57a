package import TokenVault
internal import TokenVaultJSON

/// How audit events are shown: a table row's need, a JSON Lines record, a CSV record.
package enum AuditEventOutput {
    /// The table's columns.
    package static let tableHeaders = ["SEQ", "TIME", "ACTOR", "ACTION", "CREDENTIAL", "NEED", "OUTCOME", "REASON"]

    /// One table row.
    package static func tableRow(_ event: AuditEvent) -> [String] {
        [
            String(event.sequence), TimeFormat.iso8601(event.time), actorText(event), event.action.rawValue,
            event.credentialName ?? "-", needText(event), event.outcome.rawValue, event.reason ?? "",
        ]
    }

    /// The actor, with the name it acted for when a service caller declared one:
    /// `principal:ci (for alice)`.
    package static func actorText(_ event: AuditEvent) -> String {
        event.onBehalfOf.map { "\(event.actor) (for \($0))" } ?? event.actor
    }

    /// How the actor was established: events older than the record of it were all declared.
    package static func actorKind(_ event: AuditEvent) -> String {
        (event.actorKind ?? .declared).rawValue
    }

    /// `project=P resource=R permission=crud` (the parts given), or `-`.
    package static func needText(_ event: AuditEvent) -> String {
        let parts = [("project", event.needProject), ("resource", event.needResource), ("permission", event.needPermissions)]
        let given = parts.compactMap { label, value in value.map { "\(label)=\($0)" } }
        return given.isEmpty ? "-" : given.joined(separator: " ")
    }

    /// One JSON Lines record, with its newline.
    package static func jsonLine(_ event: AuditEvent) -> String {
        JSON.object([
            ("seq", .int(event.sequence)), ("time", .time(event.time)), ("actor", .string(event.actor)),
            ("action", .string(event.action.rawValue)), ("credential_id", .optional(event.credentialID)),
            ("credential_name", .optional(event.credentialName)), ("need_project", .optional(event.needProject)),
            ("need_resource", .optional(event.needResource)), ("need_permission", .optional(event.needPermissions)),
            ("outcome", .string(event.outcome.rawValue)), ("reason", .optional(event.reason)),
            ("version", event.version.map(JSON.int) ?? .null), ("actor_kind", .string(actorKind(event))),
            ("peer", .optional(event.peer)), ("on_behalf_of", .optional(event.onBehalfOf)),
        ]).rendered() + "\n"
    }

    /// The CSV header line.
    package static let csvHeader =
        "seq,time,actor,action,credential_id,credential_name,need_project,need_resource,need_permission,outcome,reason,version,actor_kind,peer,on_behalf_of\n"

    /// One CSV record, with its newline.
    package static func csvLine(_ event: AuditEvent) -> String {
        let fields: [String?] = [
            String(event.sequence), TimeFormat.iso8601(event.time), event.actor, event.action.rawValue, event.credentialID,
            event.credentialName, event.needProject, event.needResource, event.needPermissions, event.outcome.rawValue,
            event.reason, event.version.map { String($0) }, actorKind(event), event.peer, event.onBehalfOf,
        ]
        return CSV.line(fields.map { $0 ?? "" })
    }
}
