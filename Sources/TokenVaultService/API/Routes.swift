import TokenVault
import TokenVaultHTTP
import TokenVaultJSON
import TokenVaultReportHTML
import TokenVaultWire

extension VaultService {
    static let healthRouteName = "GET /v1/health"
    static let fetchRouteName = "POST /v1/fetch"

    /// Every route of API v1. What a principal may do is the library's decision, made and
    /// audited inside each call (an admin-only call by another principal is refused there).
    static let routes: [Route] = [
        // Answered before authentication, by the service itself.
        Route("GET", "/v1/health") { context throws(VaultError) in context.service.health() },
        Route("GET", "/metrics", metrics),
        Route("POST", "/v1/fetch", fetch),
        Route("POST", "/v1/verify", verify),
        Route("GET", "/v1/credentials", listCredentials),
        Route("POST", "/v1/credentials", addCredential),
        Route("GET", "/v1/credentials/{}", showCredential),
        Route("DELETE", "/v1/credentials/{}", deleteCredential),
        Route("POST", "/v1/credentials/{}/rotate", rotateCredential),
        Route("POST", "/v1/credentials/{}/revoke", revokeCredential),
        Route("POST", "/v1/credentials/{}/rename", renameCredential),
        Route("GET", "/v1/expiring", expiring),
        Route("GET", "/v1/audit", audit),
        Route("POST", "/v1/audit/seal", seal),
        Route("GET", "/v1/report", report),
        Route("GET", "/v1/report.html", reportPage),
        Route("GET", "/v1/principals", listPrincipals),
        Route("POST", "/v1/principals", addPrincipal),
        Route("GET", "/v1/principals/{}", showPrincipal),
        Route("DELETE", "/v1/principals/{}", removePrincipal),
        Route("POST", "/v1/principals/{}/rename", renamePrincipal),
        Route("POST", "/v1/principals/{}/rotate-token", rotatePrincipalToken),
        Route("GET", "/v1/policies", listPolicies),
        Route("PUT", "/v1/policies/{}", setPolicy),
        Route("DELETE", "/v1/policies/{}", removePolicy),
    ]

    /// `GET /metrics` (admins, and principals allowed `metrics`): the Prometheus text format.
    static func metrics(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        try context.vault.authorizeMetrics()
        let service = context.service
        // Counts of the whole vault, read as the scraping principal (a refusal is audited as it).
        let soon = try context.vault.expiryCounts(within: 30 * 86_400, critical: 7 * 86_400)
        let commits = service.vault.commitTotals
        let connections = service.connectionStatistics
        let gauges: [(name: String, help: String, value: Double)] = [
            ("tokenvault_open_connections", "Connections open now.", Double(connections?.openConnections ?? 0)),
            (
                "tokenvault_connections_refused_total", "Connections refused over the connection limit.",
                Double(connections?.refusedOverLimitTotal ?? 0)
            ),
            (
                "tokenvault_tls_handshakes_failed_total", "TLS handshakes that failed (plain HTTP, a refused certificate).",
                Double(connections?.failedHandshakesTotal ?? 0)
            ),
            ("tokenvault_commit_groups_total", "Commits of audited operations (each one fsync).", Double(commits.groups)),
            ("tokenvault_commit_writes_total", "Audited operations committed; divided by the groups, the mean group size.", Double(commits.writes)),
            (
                "tokenvault_credentials_expiring_7d", "Credentials expired or expiring within 7 days.",
                Double(soon.critical)
            ),
            ("tokenvault_credentials_expiring_30d", "Credentials expired or expiring within 30 days.", Double(soon.within)),
        ]
        return HTTPResponse(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: Array(service.metrics.rendered(gauges: gauges).utf8)
        )
    }

    // MARK: - Connectors

    /// `POST /v1/fetch` `{"name", "project", "resource", "permission", "version"?, "use"?}`;
    /// `"use": "environment"` refuses (audited) a secret that cannot go in an environment
    /// variable, as `tokenvault exec` does.
    static func fetch(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let name = try body.requiredString("name")
        let need = try body.need()
        let version = try body.int("version").map(Int.init)
        let use: SecretUse
        switch try body.string("use") {
        case nil: use = .any
        case "environment": use = .environmentVariable
        default: throw VaultError(.invalidInput, "field 'use' must be \"environment\" when given")
        }
        try body.finish()
        let fetched = try context.vault.fetch(name, need: need, version: version, for: use)
        return .secretJSON(WireFormat.fetched(fetched))
    }

    /// `POST /v1/verify` `{"token" | "token_base64", "project", "resource", "permission"}`.
    static func verify(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let token = try body.secret("token")
        let need = try body.need()
        try body.finish()
        let credential = try context.vault.verify(token, need: need)
        return .json(.object([("credential", CredentialOutput.json(credential, now: context.vault.configuration.clock.now))]))
    }

    // MARK: - Credentials

    /// `GET /v1/credentials?state=&issuer=&expiring_within=&project=&resource=`.
    static func listCredentials(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let request = context.request
        var filter = CredentialFilter(
            issuer: request.queryValue("issuer"), project: request.queryValue("project"), resource: request.queryValue("resource")
        )
        if let state = request.queryValue("state") {
            guard let parsed = CredentialState(rawValue: state) else {
                throw VaultError(.invalidInput, "invalid state: use active, expired or revoked")
            }
            filter.state = parsed
        }
        if let within = request.queryValue("expiring_within") { filter.expiringWithin = try TimeFormat.parseDuration(within) }
        let now = context.vault.configuration.clock.now
        var items: [JSON] = []
        try context.vault.forEachCredential(filter) { items.append(CredentialOutput.json($0, now: now)) }
        return .json(.array(items))
    }

    /// `GET /v1/credentials/NAME`.
    static func showCredential(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let details = try context.vault.show(context.parameters[0])
        return .json(CredentialOutput.detailsJSON(details, now: context.vault.configuration.clock.now))
    }

    /// `POST /v1/credentials` (admin) `{"name", "secret" | "secret_base64", "grants",
    /// "expires_at" | "expires_in" (default 90d) | "never_expires", "legacy", "issuer", "api_url", "description"}`.
    static func addCredential(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let name = try body.requiredString("name")
        let secret = try body.secret("secret")
        var new: NewCredential
        if try body.bool("legacy") {
            new = .legacy(name: name)
        } else {
            let grants = try body.strings("grants").map { text throws(VaultError) in try Grant(parsing: text) }
            let expiry = try body.expiry() ?? .after(seconds: 90 * 86_400)
            new = NewCredential(name: name, scope: try Scope(grants), expiry: expiry)
        }
        new.issuer = try body.string("issuer")
        new.apiURL = try body.string("api_url")
        new.description = try body.string("description")
        try body.finish()
        let credential = try context.vault.add(new, secret: secret)
        return .json(CredentialOutput.json(credential, now: context.vault.configuration.clock.now), status: .created)
    }

    /// `POST /v1/credentials/NAME/rotate` (admin) `{"secret" | "secret_base64", "grace"?,
    /// "retire_after_first_use"?, "expires_at" | "expires_in"?}`: a stored credential's new
    /// secret (an issued one is rotated, and its token minted, by `tokenvault rotate` on the
    /// vault file). Answers `{"rotated", "version", "resumed", "credential"}`.
    static func rotateCredential(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let secret = try body.secret("secret")
        var policy = RotationPolicy(retireAfterFirstUse: try body.bool("retire_after_first_use"))
        policy.graceSeconds = try body.string("grace").map { text throws(VaultError) in try TimeFormat.parseDuration(text) }
        policy.expiry = try body.expiry()
        try body.finish()
        let result = try context.vault.rotate(context.parameters[0], from: .secret(secret), policy: policy)
        return .json(
            .object([
                ("rotated", .string(context.parameters[0])), ("version", .int(Int64(result.version))), ("resumed", .bool(result.resumed)),
                ("credential", CredentialOutput.json(result.credential, now: context.vault.configuration.clock.now)),
            ])
        )
    }

    /// `POST /v1/credentials/NAME/revoke` (admin) `{"version"?, "local_only"?}`: with the
    /// credential's own protocol-2 hook, its `revoke` step runs here, next to the vault file.
    static func revokeCredential(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let version = try body.int("version")
        let atIssuer = try !body.bool("local_only")
        try body.finish()
        let steps: [IssuerStepResult]
        if let version {
            steps = try context.vault.revoke(context.parameters[0], version: Int(version), atIssuer: atIssuer)
        } else {
            steps = try context.vault.revoke(context.parameters[0], atIssuer: atIssuer)
        }
        return .json(
            .object([
                ("revoked", .string(context.parameters[0])), ("version", version.map(JSON.int) ?? .null),
                ("issuer_steps", IssuerStepOutput.json(steps)),
            ])
        )
    }

    /// `POST /v1/credentials/NAME/rename` (admin) `{"name"}`.
    static func renameCredential(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let newName = try body.requiredString("name")
        try body.finish()
        try context.vault.rename(context.parameters[0], to: newName)
        return .json(.object([("renamed", .string(newName))]))
    }

    /// `DELETE /v1/credentials/NAME[?local_only=1]` (admin).
    static func deleteCredential(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let localOnly: Bool
        switch context.request.queryValue("local_only") {
        case nil, "0": localOnly = false
        case "1": localOnly = true
        default: throw VaultError(.invalidInput, "local_only must be 0 or 1")
        }
        let report = try context.vault.delete(context.parameters[0], atIssuer: !localOnly)
        return .json(
            .object([
                ("deleted", .string(context.parameters[0])), ("wal_truncated", .bool(report.walTruncated)),
                ("issuer_steps", IssuerStepOutput.json(report.issuerSteps)),
            ])
        )
    }

    /// `GET /v1/expiring?within=60d&critical=7d`.
    static func expiring(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let within = try context.request.queryValue("within").map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 60 * 86_400
        let critical = try context.request.queryValue("critical").map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 7 * 86_400
        let entries = try context.vault.expiring(within: within, critical: critical)
        let now = context.vault.configuration.clock.now
        // Each entry with its whole credential, from which the CLI as a client prints the table.
        return .json(
            .array(
                entries.map { entry in
                    .object([
                        ("credential", CredentialOutput.json(entry.credential, now: now)), ("status", .string(entry.status.rawValue)),
                        ("seconds_left", entry.secondsLeft.map(JSON.int) ?? .null),
                        ("over_policy", entry.overPolicy.map(PolicyOutput.json) ?? .null),
                    ])
                }
            )
        )
    }

    // MARK: - Audit

    /// `GET /v1/audit?name=&actor=&action=&outcome=&since=&until=&limit=&order=newest` (admin): JSON Lines.
    static func audit(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let request = context.request
        var filter = AuditFilter()
        filter.credentialName = request.queryValue("name")
        filter.actor = request.queryValue("actor")
        filter.action = request.queryValue("action")
        if let outcome = request.queryValue("outcome") {
            guard let parsed = AuditOutcome(rawValue: outcome) else { throw VaultError(.invalidInput, "invalid outcome: use ok, denied or error") }
            filter.outcome = parsed
        }
        filter.since = try request.queryValue("since").map { text throws(VaultError) in try TimeFormat.parseDate(text) }
        filter.until = try request.queryValue("until").map { text throws(VaultError) in try TimeFormat.parseDate(text) }
        if let limit = request.queryValue("limit") {
            guard let number = Int(limit) else { throw VaultError(.invalidInput, "invalid limit: use a positive number") }
            filter.limit = number
        }
        filter.newestFirst = request.queryValue("order") == "newest"
        var body: [UInt8] = []
        try context.vault.forEachAuditEvent(filter) { body.append(contentsOf: AuditEventOutput.jsonLine($0).utf8) }
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/jsonl"], body: body)
    }

    /// `POST /v1/audit/seal` (admin).
    static func seal(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let seal = try context.vault.sealAuditTrail()
        return .json(WireFormat.seal(seal))
    }

    /// `GET /v1/report?unused_for=90d` (admin): the admin report, as `report --json`.
    static func report(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body: [UInt8] = []
        var json = ReportOutput { body.append(contentsOf: $0.utf8) }
        try context.vault.report(unusedFor: try unusedWindow(context), into: &json)
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body)
    }

    /// `GET /v1/report.html?unused_for=90d` (admin): the admin report as the page of
    /// `report --html`, the trail verified first. Never cached, never framed, and under the
    /// page's own Content-Security-Policy as a header too.
    static func reportPage(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let window = try unusedWindow(context)
        var body: [UInt8] = []
        var page = HTMLReport(check: TrailCheck(try context.vault.verifyAuditTrail())) { body.append(contentsOf: $0.utf8) }
        try context.vault.report(unusedFor: window, into: &page)
        return HTTPResponse(
            status: .ok,
            headers: [
                "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                "Content-Security-Policy": ReportDocument.contentSecurityPolicy + "; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            ],
            body: body
        )
    }

    /// The report's `unused_for` query value, 90 days when not given.
    private static func unusedWindow(_ context: RouteContext) throws(VaultError) -> Int64 {
        try context.request.queryValue("unused_for").map { text throws(VaultError) in try TimeFormat.parseDuration(text) } ?? 90 * 86_400
    }

    // MARK: - Principals

    /// `GET /v1/principals` (admin).
    static func listPrincipals(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        .json(.array(try context.vault.principals().map(PrincipalOutput.json)))
    }

    /// `GET /v1/principals/NAME` (admin).
    static func showPrincipal(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        .json(PrincipalOutput.json(try context.vault.principal(named: context.parameters[0])))
    }

    /// `POST /v1/principals` (admin)
    /// `{"name", "uid" | "gid" | "token": true | "cert_fingerprint" | "unit", "allow": [...], "admin"}`.
    static func addPrincipal(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let name = try body.requiredString("name")
        let given = (
            uid: try body.int("uid"), gid: try body.int("gid"), token: try body.bool("token"),
            certificate: try body.string("cert_fingerprint"), unit: try body.string("unit")
        )
        let recognition: NewPrincipalRecognition
        switch given {
        case (let uid?, nil, false, nil, nil): recognition = .uid(try Self.accountID(uid))
        case (nil, let gid?, false, nil, nil): recognition = .gid(try Self.accountID(gid))
        case (nil, nil, true, nil, nil): recognition = .token
        case (nil, nil, false, let fingerprint?, nil): recognition = .certificate(sha256: fingerprint)
        case (nil, nil, false, nil, let unit?): recognition = .unit(unit)
        default:
            throw VaultError(.invalidInput, "give exactly one of \"uid\", \"gid\", \"token\", \"cert_fingerprint\" and \"unit\"")
        }
        let allow = try body.strings("allow").map { text throws(VaultError) in try AllowEntry(parsing: text) }
        let admin = try body.bool("admin")
        try body.finish()
        let (principal, token) = try context.vault.addPrincipal(name, recognisedBy: recognition, allow: allow, admin: admin)
        return .secretJSON(WireFormat.principalWithToken(principal, token: token), status: .created)
    }

    /// `DELETE /v1/principals/NAME` (admin).
    static func removePrincipal(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        try context.vault.removePrincipal(context.parameters[0])
        return .json(.object([("removed", .string(context.parameters[0]))]))
    }

    /// `POST /v1/principals/NAME/rename` (admin) `{"name"}`.
    static func renamePrincipal(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let newName = try body.requiredString("name")
        try body.finish()
        try context.vault.renamePrincipal(context.parameters[0], to: newName)
        return .json(.object([("renamed", .string(newName))]))
    }

    /// `POST /v1/principals/NAME/rotate-token` (admin).
    static func rotatePrincipalToken(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        let token = try context.vault.rotatePrincipalToken(context.parameters[0])
        return .secretJSON(WireFormat.token(token))
    }

    // MARK: - Issuer policies

    /// `GET /v1/policies` (admin).
    static func listPolicies(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        .json(.array(try context.vault.issuerPolicies().map(PolicyOutput.json)))
    }

    /// `PUT /v1/policies/ISSUER` (admin) `{"max_lifetime": "180d", "since"?: ISO 8601}`.
    static func setPolicy(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        var body = try RequestBody(context.request)
        let lifetime = try TimeFormat.parseDuration(body.requiredString("max_lifetime"))
        let since = try body.string("since").map { text throws(VaultError) in try TimeFormat.parseDate(text) } ?? 0
        try body.finish()
        return .json(PolicyOutput.json(try context.vault.setIssuerPolicy(context.parameters[0], maxLifetime: lifetime, since: since)))
    }

    /// `DELETE /v1/policies/ISSUER` (admin).
    static func removePolicy(_ context: RouteContext) throws(VaultError) -> HTTPResponse {
        try context.vault.removeIssuerPolicy(context.parameters[0])
        return .json(.object([("removed", .string(IssuerPolicy.key(of: context.parameters[0])))]))
    }

    private static func accountID(_ value: Int64) throws(VaultError) -> UInt32 {
        guard let id = UInt32(exactly: value) else { throw VaultError(.invalidInput, "a user or group id is a number from 0 to 4294967295") }
        return id
    }
}
