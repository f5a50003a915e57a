import TokenVault
import TokenVaultJSON

/// How audit events are shown: a table row's need, a JSON Lines record, a CSV record.
enum AuditEventOutput {
    /// The table's columns.
    static let tableHeaders = ["SEQ", "TIME", "ACTOR", "ACTION", "CREDENTIAL", "NEED", "OUTCOME", "REASON"]

    /// One table row.
    static func tableRow(_ event: AuditEvent) -> [String] {
        [
            String(event.sequence), TimeFormat.iso8601(event.time), event.actor, event.action.rawValue,
            event.credentialName ?? "-", needText(event), event.outcome.rawValue, event.reason ?? "",
        ]
    }

    /// `project=P resource=R permission=crud` (the parts given), or `-`.
    static func needText(_ event: AuditEvent) -> String {
        let parts = [("project", event.needProject), ("resource", event.needResource), ("permission", event.needPermissions)]
        let given = parts.compactMap { label, value in value.map { "\(label)=\($0)" } }
        return given.isEmpty ? "-" : given.joined(separator: " ")
    }

    /// One JSON Lines record, with its newline.
    static func jsonLine(_ event: AuditEvent) -> String {
        JSON.object([
            ("seq", .int(event.sequence)), ("time", .time(event.time)), ("actor", .string(event.actor)),
            ("action", .string(event.action.rawValue)), ("credential_id", .optional(event.credentialID)),
            ("credential_name", .optional(event.credentialName)), ("need_project", .optional(event.needProject)),
            ("need_resource", .optional(event.needResource)), ("need_permission", .optional(event.needPermissions)),
            ("outcome", .string(event.outcome.rawValue)), ("reason", .optional(event.reason)),
            ("version", event.version.map(JSON.int) ?? .null),
        ]).rendered() + "\n"
    }

    /// The CSV header line.
    static let csvHeader = "seq,time,actor,action,credential_id,credential_name,need_project,need_resource,need_permission,outcome,reason,version\n"

    /// One CSV record, with its newline.
    static func csvLine(_ event: AuditEvent) -> String {
        let fields: [String?] = [
            String(event.sequence), TimeFormat.iso8601(event.time), event.actor, event.action.rawValue, event.credentialID,
            event.credentialName, event.needProject, event.needResource, event.needPermissions, event.outcome.rawValue,
            event.reason, event.version.map { String($0) },
        ]
        return CSV.line(fields.map { $0 ?? "" })
    }
}
