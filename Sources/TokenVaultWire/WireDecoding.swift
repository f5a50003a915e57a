package import TokenVault
package import TokenVaultJSON

/// The library's values rebuilt from the service's JSON: the inverse of ``CredentialOutput``,
/// ``AuditEventOutput`` and ``PrincipalOutput``, for the CLI as a client, which prints them as
/// the embedded CLI does.
///
/// - Throws: ``VaultError/Kind/failed`` ("the service's answer is malformed") for anything that
///   is not what the service writes.
package enum WireDecoding {
    package static func credential(_ json: JSON) throws(VaultError) -> Credential {
        var fields = try reader(json)
        let kindText = try read { r throws(JSONError) in try r.string("kind") }
        guard let kind = CredentialKind(rawValue: kindText) else { throw malformed }
        let grants = try read { r throws(JSONError) in try r.array("grants") }.map { item throws(VaultError) in
            guard let text = item.stringValue else { throw malformed }
            return try Grant(parsing: text)
        }
        let credential = Credential(
            id: try read { r throws(JSONError) in try r.string("id") },
            name: try read { r throws(JSONError) in try r.string("name") },
            kind: kind,
            isLegacy: try read { r throws(JSONError) in try r.bool("legacy") },
            scope: try Scope(grants),
            description: try read { r throws(JSONError) in try r.optionalString("description") },
            issuer: try read { r throws(JSONError) in try r.optionalString("issuer") },
            apiURL: try read { r throws(JSONError) in try r.optionalString("api_url") },
            createdAt: try time(read { r throws(JSONError) in try r.string("created_at") }),
            expiresAt: try optionalTime(read { r throws(JSONError) in try r.optionalString("expires_at") }),
            revokedAt: try optionalTime(read { r throws(JSONError) in try r.optionalString("revoked_at") }),
            lastUsedAt: try optionalTime(read { r throws(JSONError) in try r.optionalString("last_used_at") }),
            lastUsedBy: try read { r throws(JSONError) in try r.optionalString("last_used_by") },
            currentVersion: try read { r throws(JSONError) in try r.optionalInt64("current_version") }.map(Int.init),
            lastTest: try lastTest(json["last_test"]),
            hook: try read { r throws(JSONError) in try r.optionalString("hook") }
        )
        return credential

        func read<T>(_ body: (inout JSONObjectReader) throws(JSONError) -> T) throws(VaultError) -> T {
            do { return try body(&fields) } catch { throw malformed }
        }
    }

    package static func details(_ json: JSON) throws(VaultError) -> CredentialDetails {
        let credential = try credential(json)
        let versions = try (json["versions"]?.arrayValue ?? []).map { item throws(VaultError) in
            guard let number = item["version"]?.int64Value, let state = item["state"]?.stringValue.flatMap(VersionState.init(rawValue:)),
                let created = item["created_at"]?.stringValue
            else { throw malformed }
            return SecretVersion(
                number: Int(number), state: state, createdAt: try time(created), validUntil: try optionalTime(item["valid_until"]?.stringValue),
                firstUsedAt: try optionalTime(item["first_used_at"]?.stringValue), upstreamID: item["upstream_id"]?.stringValue,
                upstreamExpiresAt: try optionalTime(item["upstream_expires_at"]?.stringValue),
                waiting: try item["waiting"].flatMap { $0.isNull ? nil : $0 }.map(IssuerStepOutput.waiting),
                closedAt: try optionalTime(item["closed_at"]?.stringValue)
            )
        }
        let history = try (json["name_history"]?.arrayValue ?? []).map { item throws(VaultError) in
            guard let name = item["name"]?.stringValue, let since = item["since"]?.stringValue else { throw malformed }
            return (name: name, since: try time(since))
        }
        return CredentialDetails(credential: credential, versions: versions, nameHistory: history)
    }

    package static func expiring(_ json: JSON) throws(VaultError) -> ExpiringCredential {
        guard let credential = json["credential"], let status = json["status"]?.stringValue.flatMap(ExpiryStatus.init(rawValue:)) else {
            throw malformed
        }
        return ExpiringCredential(
            credential: try self.credential(credential), status: status, secondsLeft: json["seconds_left"]?.int64Value,
            overPolicy: try PolicyOutput.policy(json["over_policy"])
        )
    }

    package static func auditEvent(_ json: JSON) throws(VaultError) -> AuditEvent {
        guard let sequence = json["seq"]?.int64Value, let time = json["time"]?.stringValue, let actor = json["actor"]?.stringValue,
            let action = json["action"]?.stringValue.flatMap(AuditAction.init(rawValue:)),
            let outcome = json["outcome"]?.stringValue.flatMap(AuditOutcome.init(rawValue:))
        else { throw malformed }
        return AuditEvent(
            sequence: sequence, time: try self.time(time), actor: actor, action: action, credentialID: json["credential_id"]?.stringValue,
            credentialName: json["credential_name"]?.stringValue, needProject: json["need_project"]?.stringValue,
            needResource: json["need_resource"]?.stringValue, needPermissions: json["need_permission"]?.stringValue, outcome: outcome,
            reason: json["reason"]?.stringValue, version: json["version"]?.int64Value, changesState: false,
            actorKind: json["actor_kind"]?.stringValue.flatMap(ActorKind.init(rawValue:)), peer: json["peer"]?.stringValue,
            onBehalfOf: json["on_behalf_of"]?.stringValue
        )
    }

    package static func principal(_ json: JSON) throws(VaultError) -> Principal {
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue, let admin = json["admin"]?.boolValue,
            let created = json["created_at"]?.stringValue
        else { throw malformed }
        let recognition: Principal.Recognition
        if let uid = json["uid"]?.int64Value, let value = UInt32(exactly: uid) {
            recognition = .uid(value)
        } else if let gid = json["gid"]?.int64Value, let value = UInt32(exactly: gid) {
            recognition = .gid(value)
        } else if let token = json["token_id"]?.stringValue {
            recognition = .token(id: token)
        } else if let fingerprint = json["cert_fingerprint"]?.stringValue {
            recognition = .certificate(sha256: fingerprint)
        } else if let unit = json["unit"]?.stringValue {
            recognition = .unit(unit)
        } else {
            throw malformed
        }
        let allow = try (json["allow"]?.arrayValue ?? []).map { item throws(VaultError) in
            guard let text = item.stringValue else { throw malformed }
            return try AllowEntry(parsing: text)
        }
        return Principal(id: id, name: name, recognisedBy: recognition, isAdmin: admin, allow: allow, createdAt: try time(created))
    }

    /// The steps run at an issuer, from an answer's `issuer_steps` (none when absent).
    package static func issuerSteps(_ json: JSON?) throws(VaultError) -> [IssuerStepResult] {
        try (json?.arrayValue ?? []).map { item throws(VaultError) in try IssuerStepOutput.result(item) }
    }

    /// The error of an answer that is not what the service writes.
    package static let malformed = VaultError(.failed, "the service's answer is malformed")

    private static func reader(_ json: JSON) throws(VaultError) -> JSONObjectReader {
        do { return try JSONObjectReader(json) } catch { throw malformed }
    }

    private static func lastTest(_ json: JSON?) throws(VaultError) -> ConnectionTestResult? {
        guard let json, !json.isNull else { return nil }
        guard let passed = json["passed"]?.boolValue, let detail = json["detail"]?.stringValue, let tested = json["tested_at"]?.stringValue else {
            throw malformed
        }
        return ConnectionTestResult(passed: passed, detail: detail, testedAt: try time(tested))
    }

    static func time(_ text: String) throws(VaultError) -> UnixTime {
        do { return try TimeFormat.parseDate(text) } catch { throw malformed }
    }

    private static func optionalTime(_ text: String?) throws(VaultError) -> UnixTime? {
        try text.map { value throws(VaultError) in try time(value) }
    }
}
