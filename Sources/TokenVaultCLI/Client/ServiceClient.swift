import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem
import TokenVaultWire

/// The vault through `tokenvault serve`: each operation of ``VaultAccess`` is one request of
/// API v1 on a connection of its own, and its answer is rebuilt into the library's values by
/// ``WireDecoding``, so that the commands print what they print on the vault file.
///
/// ```swift
/// // tokenvault --server /run/tokenvault/tokenvault.sock get erp-prod --project shop --resource orders --permission r
/// let client = ServiceClient(connection: ServiceConnection(address: .unix(path: path), token: nil, onBehalfOf: nil))
/// let fetched = try client.fetchSecret("erp-prod", need: need, version: nil, for: .any)
/// ```
///
/// The client opens no vault file and holds no vault key: it never touches SQLite or the
/// vault's cryptography. The caller is the principal the service recognises (by the process's
/// user or group id, or the access token), whose allow list and admin flag bound every call.
///
/// Differences from the vault file, all refusals: a hook rotation, the minting rotation of an
/// issued credential, and a fetch or verify whose need leaves out its project, resource or
/// permission (the service requires all three).
final class ServiceClient: VaultAccess {
    private let connection: ServiceConnection

    init(connection: ServiceConnection) {
        self.connection = connection
    }

    /// The client's own clock: the answers carry the credentials' times, not the server's now,
    /// and the two clocks are those of one machine.
    var now: UnixTime { VaultClock.system.now }

    // MARK: - Connectors

    /// `POST /v1/fetch`; the secret goes from the answer's bytes into the ``Secret`` directly.
    func fetchSecret(_ name: String, need: Need, version: Int?, for use: SecretUse) throws(VaultError) -> AccessedSecret {
        var fields: [(String, JSON)] = [("name", .string(name))] + Self.needFields(need)
        if let version { fields.append(("version", .int(Int64(version)))) }
        if use == .environmentVariable { fields.append(("use", .string("environment"))) }
        let answer = try connection.send("POST", ["v1", "fetch"], body: Array(JSON.object(fields).rendered().utf8))
        let (secret, rest) = try SecretField.split(answer.body, key: "secret")
        guard let secret, rest["version"]?.int64Value != nil, let warning = rest["warning"], warning.isNull || warning.stringValue != nil
        else { throw WireDecoding.malformed }
        return AccessedSecret(secret: secret, warning: warning.stringValue)
    }

    /// `POST /v1/verify`, the token in the body.
    func verify(_ token: Secret, need: Need) throws(VaultError) -> Credential {
        var body = WireFormat.object(secret: ("token", token), Self.needFields(need))
        defer { SecureMemory.wipe(&body) }
        let answer = try connection.send("POST", ["v1", "verify"], body: body)
        guard let credential = try answer.json()["credential"] else { throw WireDecoding.malformed }
        return try WireDecoding.credential(credential)
    }

    // MARK: - Credentials

    /// `GET /v1/credentials`: the whole list in one answer, then `body` for each.
    func forEachCredential(_ filter: CredentialFilter, _ body: (Credential) throws -> Void) throws(VaultError) {
        let query: [(String, String?)] = [
            ("state", filter.state?.rawValue), ("issuer", filter.issuer), ("expiring_within", filter.expiringWithin.map(Self.duration)),
            ("project", filter.project), ("resource", filter.resource),
        ]
        let answer = try connection.send("GET", ["v1", "credentials"], query: query)
        guard let items = try answer.json().arrayValue else { throw WireDecoding.malformed }
        for item in items {
            let credential = try WireDecoding.credential(item)
            try Self.call(body, credential)
        }
    }

    /// `GET /v1/credentials/NAME`.
    func show(_ name: String) throws(VaultError) -> CredentialDetails {
        try WireDecoding.details(connection.send("GET", ["v1", "credentials", name]).json())
    }

    /// `GET /v1/expiring`.
    func expiring(within: Int64, critical: Int64) throws(VaultError) -> [ExpiringCredential] {
        let query = [("within", Self.duration(within)), ("critical", Self.duration(critical))]
        guard let items = try connection.send("GET", ["v1", "expiring"], query: query).json().arrayValue else { throw WireDecoding.malformed }
        return try items.map { item throws(VaultError) in try WireDecoding.expiring(item) }
    }

    /// `POST /v1/credentials/NAME/revoke`.
    func revoke(_ name: String, atIssuer: Bool) throws(VaultError) -> [IssuerStepResult] {
        try revoke(name, fields: [("local_only", .bool(!atIssuer))])
    }

    /// `POST /v1/credentials/NAME/revoke` with the version.
    func revoke(_ name: String, version: Int, atIssuer: Bool) throws(VaultError) -> [IssuerStepResult] {
        try revoke(name, fields: [("version", .int(Int64(version))), ("local_only", .bool(!atIssuer))])
    }

    private func revoke(_ name: String, fields: [(String, JSON)]) throws(VaultError) -> [IssuerStepResult] {
        let body = JSON.object(fields).rendered()
        let answer = try connection.send("POST", ["v1", "credentials", name, "revoke"], body: Array(body.utf8)).json()
        return try WireDecoding.issuerSteps(answer["issuer_steps"])
    }

    /// `POST /v1/credentials/NAME/rename`.
    func rename(_ name: String, to newName: String) throws(VaultError) {
        let body = JSON.object([("name", .string(newName))]).rendered()
        _ = try connection.send("POST", ["v1", "credentials", name, "rename"], body: Array(body.utf8))
    }

    /// `DELETE /v1/credentials/NAME`.
    func delete(_ name: String, atIssuer: Bool) throws(VaultError) -> DeletionReport {
        let answer = try connection.send("DELETE", ["v1", "credentials", name], query: atIssuer ? [] : [("local_only", "1")]).json()
        guard let truncated = answer["wal_truncated"]?.boolValue else { throw WireDecoding.malformed }
        return DeletionReport(walTruncated: truncated, issuerSteps: try WireDecoding.issuerSteps(answer["issuer_steps"]))
    }

    /// `POST /v1/credentials`, the secret in the body.
    func add(_ new: NewCredential, secret: Secret) throws(VaultError) -> Credential {
        guard new.hook == nil else {
            throw VaultError(
                .invalidInput, "a hook is set where the vault file is, by the holder of its key, not through the service",
                hint: "run it without --server (or TOKENVAULT_ADDR)"
            )
        }
        var fields: [(String, JSON)] = [("name", .string(new.name))]
        if new.isLegacy {
            fields.append(("legacy", .bool(true)))
        } else {
            fields.append(("grants", .array(new.scope.grants.map { .string($0.description) })))
            fields += Self.expiryFields(new.expiry)
        }
        fields += [("issuer", new.issuer), ("api_url", new.apiURL), ("description", new.description)].compactMap { key, value in
            value.map { (key, .string($0)) }
        }
        var body = WireFormat.object(secret: ("secret", secret), fields)
        defer { SecureMemory.wipe(&body) }
        return try WireDecoding.credential(connection.send("POST", ["v1", "credentials"], body: body).json())
    }

    /// `POST /v1/credentials/NAME/rotate` with the new secret. The credential is looked up first
    /// (`GET /v1/credentials/NAME`): an issued one is rotated by minting its new token, which
    /// only the vault file does, so it is refused before anyone is asked for a secret.
    func rotate(_ name: String, policy: RotationPolicy, newSecretIfStored newSecret: () throws(VaultError) -> Secret) throws(VaultError)
        -> RotationResult
    {
        let details = try show(name)
        guard details.credential.kind == .stored else {
            throw VaultError(
                .invalidInput, "credential '\(DisplayText.clean(name))' is an issued token: its new token is minted on the vault file",
                hint: "run `tokenvault rotate \(DisplayText.clean(name))` without --server (or TOKENVAULT_ADDR)"
            )
        }
        guard details.credential.hook == nil else {
            throw VaultError(
                .invalidInput, "credential '\(DisplayText.clean(name))' rotates through its own hook, which runs where the vault file is",
                hint:
                    "run `tokenvault rotate \(DisplayText.clean(name))` without --server (or TOKENVAULT_ADDR), or give the new secret with --from-stdin"
            )
        }
        return try postRotation(name, secret: newSecret(), policy: policy)
    }

    /// `POST /v1/credentials/NAME/rotate` with `secret`, as it is.
    private func postRotation(_ name: String, secret: Secret, policy: RotationPolicy) throws(VaultError) -> RotationResult {
        var fields: [(String, JSON)] = []
        if let grace = policy.graceSeconds { fields.append(("grace", .string(Self.duration(grace)))) }
        if policy.retireAfterFirstUse { fields.append(("retire_after_first_use", .bool(true))) }
        if let expiry = policy.expiry { fields += Self.expiryFields(expiry) }
        var body = WireFormat.object(secret: ("secret", secret), fields)
        defer { SecureMemory.wipe(&body) }
        let json = try connection.send("POST", ["v1", "credentials", name, "rotate"], body: body).json()
        guard let version = json["version"]?.int64Value, let resumed = json["resumed"]?.boolValue, let credential = json["credential"] else {
            throw WireDecoding.malformed
        }
        return RotationResult(
            credential: try WireDecoding.credential(credential), version: Int(version), mintedToken: nil, resumed: resumed, finishFailure: nil
        )
    }

    /// A given secret (`rotate --from-stdin`) goes to the service as any rotation's does; a hook
    /// is refused (it runs next to the vault file), and so is minting (the vault file's).
    func rotate(_ name: String, from source: RotationSource, policy: RotationPolicy, discardPending: Bool) throws(VaultError)
        -> RotationResult
    {
        // A given secret (`rotate --from-stdin`) is the service's to store, whatever the
        // credential's own hook; an issued token is refused there (its new token is minted).
        if case .secret(let secret) = source { return try postRotation(name, secret: secret, policy: policy) }
        throw VaultError(
            .invalidInput, "rotate --hook runs the hook where the vault file is, not through the service",
            hint: "run it without --server (or TOKENVAULT_ADDR)"
        )
    }

    // MARK: - Audit

    /// `GET /v1/audit`: JSON Lines, one event a line.
    func forEachAuditEvent(_ filter: AuditFilter, _ body: (AuditEvent) throws -> Void) throws(VaultError) {
        let query: [(String, String?)] = [
            ("name", filter.credentialName), ("actor", filter.actor), ("action", filter.action), ("outcome", filter.outcome?.rawValue),
            ("since", filter.since.map(TimeFormat.iso8601)), ("until", filter.until.map(TimeFormat.iso8601)),
            ("limit", filter.limit.map { String($0) }), ("order", filter.newestFirst ? "newest" : nil),
        ]
        let answer = try connection.send("GET", ["v1", "audit"], query: query, bodyLimit: 1 << 30)
        for line in answer.body.split(separator: UInt8(ascii: "\n")) {
            let event: AuditEvent
            do { event = try WireDecoding.auditEvent(JSON.parse(line)) } catch { throw WireDecoding.malformed }
            try Self.call(body, event)
        }
    }

    /// `POST /v1/audit/seal`: the seal's text, parsed back into the seal.
    func sealAuditTrail() throws(VaultError) -> AuditSeal {
        guard let text = try connection.send("POST", ["v1", "audit", "seal"], body: Array("{}".utf8)).json()["seal"]?.stringValue else {
            throw WireDecoding.malformed
        }
        do { return try AuditSeal(text: text) } catch { throw WireDecoding.malformed }
    }

    // MARK: - Principals

    /// `POST /v1/principals`; a new access token goes from the answer into the ``Secret``.
    func addPrincipal(_ name: String, recognisedBy: NewPrincipalRecognition, allow: [AllowEntry], admin: Bool) throws(VaultError)
        -> (principal: Principal, token: Secret?)
    {
        var fields: [(String, JSON)] = [("name", .string(name))]
        switch recognisedBy {
        case .uid(let uid): fields.append(("uid", .int(Int64(uid))))
        case .gid(let gid): fields.append(("gid", .int(Int64(gid))))
        case .token: fields.append(("token", .bool(true)))
        case .certificate(let fingerprint): fields.append(("cert_fingerprint", .string(fingerprint)))
        case .unit(let unit): fields.append(("unit", .string(unit)))
        }
        fields += [("allow", .array(allow.map { .string($0.description) })), ("admin", .bool(admin))]
        let answer = try connection.send("POST", ["v1", "principals"], body: Array(JSON.object(fields).rendered().utf8))
        let (token, rest) = try SecretField.split(answer.body, key: "token")
        guard let principal = rest["principal"] else { throw WireDecoding.malformed }
        return (try WireDecoding.principal(principal), token)
    }

    /// `GET /v1/principals`.
    func principals() throws(VaultError) -> [Principal] {
        guard let items = try connection.send("GET", ["v1", "principals"]).json().arrayValue else { throw WireDecoding.malformed }
        return try items.map { item throws(VaultError) in try WireDecoding.principal(item) }
    }

    /// `GET /v1/principals/NAME`.
    func principal(named name: String) throws(VaultError) -> Principal {
        try WireDecoding.principal(connection.send("GET", ["v1", "principals", name]).json())
    }

    /// `DELETE /v1/principals/NAME`.
    func removePrincipal(_ name: String) throws(VaultError) {
        _ = try connection.send("DELETE", ["v1", "principals", name])
    }

    /// `POST /v1/principals/NAME/rename`.
    func renamePrincipal(_ name: String, to newName: String) throws(VaultError) {
        let body = JSON.object([("name", .string(newName))]).rendered()
        _ = try connection.send("POST", ["v1", "principals", name, "rename"], body: Array(body.utf8))
    }

    /// `POST /v1/principals/NAME/rotate-token`; the token goes from the answer into the ``Secret``.
    func rotatePrincipalToken(_ name: String) throws(VaultError) -> Secret {
        let answer = try connection.send("POST", ["v1", "principals", name, "rotate-token"], body: Array("{}".utf8))
        guard let token = try SecretField.split(answer.body, key: "token").secret else { throw WireDecoding.malformed }
        return token
    }

    // MARK: - Issuer policies

    /// `PUT /v1/policies/ISSUER` `{"max_lifetime", "since"?}`.
    func setIssuerPolicy(_ issuer: String, maxLifetime: Int64, since: UnixTime) throws(VaultError) -> IssuerPolicy {
        var fields: [(String, JSON)] = [("max_lifetime", .string(Self.duration(maxLifetime)))]
        if since != 0 { fields.append(("since", .string(TimeFormat.iso8601(since)))) }
        let answer = try connection.send("PUT", ["v1", "policies", issuer], body: Array(JSON.object(fields).rendered().utf8)).json()
        guard let policy = try PolicyOutput.policy(answer) else { throw WireDecoding.malformed }
        return policy
    }

    /// `GET /v1/policies`.
    func issuerPolicies() throws(VaultError) -> [IssuerPolicy] {
        guard let items = try connection.send("GET", ["v1", "policies"]).json().arrayValue else { throw WireDecoding.malformed }
        return try items.map { item throws(VaultError) in
            guard let policy = try PolicyOutput.policy(item) else { throw WireDecoding.malformed }
            return policy
        }
    }

    /// `DELETE /v1/policies/ISSUER`.
    func removeIssuerPolicy(_ issuer: String) throws(VaultError) {
        _ = try connection.send("DELETE", ["v1", "policies", issuer])
    }

    /// Calls a caller's `body`, which throws what it wants; a ``VaultError`` goes on as it is.
    private static func call<T>(_ body: (T) throws -> Void, _ value: T) throws(VaultError) {
        do {
            try body(value)
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError(.failed, "\(error)")
        }
    }

    // MARK: - Request bodies

    /// `project`, `resource` and `permission`, the parts the need gives.
    private static func needFields(_ need: Need) -> [(String, JSON)] {
        [("project", need.project), ("resource", need.resource), ("permission", need.permissions?.description)].compactMap { key, value in
            value.map { (key, .string($0)) }
        }
    }

    /// `expires_at`, `expires_in` or `never_expires`.
    private static func expiryFields(_ expiry: NewCredential.Expiry) -> [(String, JSON)] {
        switch expiry {
        case .at(let time): [("expires_at", .string(TimeFormat.iso8601(time)))]
        case .after(let seconds): [("expires_in", .string(duration(seconds)))]
        case .never: [("never_expires", .bool(true))]
        }
    }

    /// A duration as the API reads it: whole seconds, `86400s`.
    private static func duration(_ seconds: Int64) -> String { "\(seconds)s" }
}
