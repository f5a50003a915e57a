package import TokenVault
package import TokenVaultJSON

/// The admin report as `report --json` prints it and `GET /v1/report` answers it.
package enum ReportOutput {
    /// The report's sections (credential names), refusals by actor, the oldest secrets, the
    /// tokens over their issuer's policy (with it), and whether any risk was found.
    package static func json(_ report: SecurityReport) -> JSON {
        let sections: [(String, [Credential])] = [
            ("unlimited", report.unlimited), ("never_expiring", report.neverExpiring),
            ("expired_not_revoked", report.expiredNotRevoked), ("unused", report.unused),
        ]
        var fields = sections.map { key, credentials in (key, JSON.array(credentials.map { .string($0.name) })) }
        fields.append(
            (
                "denied_by_actor",
                .array(
                    report.deniedByActor.map { entry in
                        .object([("actor", .string(entry.actor)), ("count", .int(entry.count)), ("last", .time(entry.last))])
                    })
            ))
        fields.append(
            (
                "oldest_secrets",
                .array(
                    report.oldestSecrets.map { entry in
                        .object([("name", .string(entry.credential.name)), ("current_since", .time(entry.since))])
                    })
            ))
        fields.append(
            (
                "over_policy",
                .array(
                    report.overPolicy.map { entry in
                        .object([("name", .string(entry.credential.name)), ("policy", PolicyOutput.json(entry.policy))])
                    })
            ))
        fields.append(
            (
                "rotation_backlog",
                .array(
                    report.rotationBacklog.map { entry in
                        .object([
                            ("name", .string(entry.name)), ("version", .int(Int64(entry.version))), ("state", .string(entry.state.rawValue)),
                            ("waiting", entry.waiting.map(IssuerStepOutput.json) ?? .null),
                        ])
                    })
            ))
        fields.append(("risks", .bool(report.hasRisks)))
        return .object(fields)
    }
}
