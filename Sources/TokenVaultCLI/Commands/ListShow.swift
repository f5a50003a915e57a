import TokenVault

struct ListCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "list",
        abstract: "List credentials (never their secrets)",
        usage: "list [--state active|expired|revoked] [--issuer X] [--expiring-within 30d] [--project P] [--resource R]",
        options: [
            .value("state", "STATE", "Only active, expired or revoked credentials"),
            .value("issuer", "NAME", "Only credentials from this issuer"),
            .value("expiring-within", "DURATION", "Only credentials that expire within DURATION (expired included)"),
            .value("project", "P", "Only credentials whose scope covers project P"),
            .value("resource", "R", "Only credentials whose scope covers resource R"),
        ],
        examples: ["tokenvault list --expiring-within 30d", "tokenvault list --state revoked --json"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var filter = CredentialFilter(issuer: arguments.value("issuer"), project: arguments.value("project"), resource: arguments.value("resource"))
        if let state = arguments.value("state") {
            guard let parsed = CredentialState(rawValue: state) else {
                throw VaultError(.invalidInput, "invalid state '\(Table.clean(state))': use active, expired or revoked")
            }
            filter.state = parsed
        }
        if let within = arguments.value("expiring-within") { filter.expiringWithin = try TimeFormat.parseDuration(within) }
        let vault = try context.openVault()
        let now = vault.configuration.clock.now
        // Streamed: a vault of a million credentials lists in constant memory.
        let output = BufferedOutput(context.io)
        if context.json {
            var first = true
            output.write("[")
            try vault.forEachCredential(filter) { credential in
                output.write((first ? "" : ",") + CredentialOutput.json(credential, now: now).rendered())
                first = false
            }
            output.write("]\n")
        } else {
            var table = StreamingTable(["NAME", "STATE", "EXPIRES", "SCOPE", "ISSUER", "LAST USED", "FLAGS"], output)
            try vault.forEachCredential(filter) { credential in
                table.append([
                    credential.name, credential.state(at: now).rawValue, CredentialOutput.expiry(credential, now: now),
                    CredentialOutput.scope(credential), credential.issuer ?? "-",
                    credential.lastUsedAt.map(TimeFormat.iso8601) ?? "never", CredentialOutput.flags(credential),
                ])
            }
            table.finish()
        }
        output.flush()
        return .ok
    }
}

struct ShowCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "show",
        abstract: "Show a credential's details, versions, name history and last use",
        usage: "show NAME",
        positionals: 1...1,
        examples: ["tokenvault show erp-prod --json"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let details = try vault.show(arguments.positionals[0])
        let credential = details.credential
        let now = vault.configuration.clock.now
        if context.json {
            guard case .object(var fields) = CredentialOutput.json(credential, now: now) else { return .ok }
            fields.append(("versions", .array(details.versions.map { version in
                .object([
                    ("version", .int(Int64(version.number))), ("state", .string(version.state.rawValue)),
                    ("created_at", .time(version.createdAt)), ("valid_until", .time(version.validUntil)),
                    ("first_used_at", .time(version.firstUsedAt)),
                ])
            })))
            fields.append(("last_test", credential.lastTest.map { test in
                .object([("passed", .bool(test.passed)), ("detail", .string(test.detail)), ("tested_at", .time(test.testedAt))])
            } ?? .null))
            fields.append(("name_history", .array(details.nameHistory.map { entry in
                .object([("name", .string(entry.name)), ("since", .time(entry.since))])
            })))
            context.io.out(JSON.object(fields).rendered() + "\n")
            return .ok
        }
        var lines: [(String, String)] = [
            ("name", credential.name), ("id", credential.id), ("kind", credential.kind.rawValue),
            ("state", credential.state(at: now).rawValue), ("scope", CredentialOutput.scope(credential)),
            ("expires", CredentialOutput.expiry(credential, now: now)), ("issuer", credential.issuer ?? "-"),
            ("api url", credential.apiURL ?? "-"), ("description", credential.description ?? "-"),
            ("created", TimeFormat.iso8601(credential.createdAt)),
            ("last used", credential.lastUsedAt.map { "\(TimeFormat.iso8601($0)) by \(credential.lastUsedBy ?? "?")" } ?? "never"),
        ]
        if let revoked = credential.revokedAt { lines.append(("revoked", TimeFormat.iso8601(revoked))) }
        if let test = credential.lastTest {
            lines.append(("last test", "\(test.passed ? "passed" : "failed (\(test.detail))") at \(TimeFormat.iso8601(test.testedAt))"))
        }
        let flags = CredentialOutput.flags(credential)
        if !flags.isEmpty { lines.append(("flags", flags)) }
        for version in details.versions {
            var text = "\(version.state.rawValue), created \(TimeFormat.iso8601(version.createdAt))"
            if let until = version.validUntil { text += ", valid until \(TimeFormat.iso8601(until))" }
            text += version.firstUsedAt.map { ", first used \(TimeFormat.iso8601($0))" } ?? ", never used"
            lines.append(("version \(version.number)", text))
        }
        if details.nameHistory.count > 1 {
            lines.append(("names", details.nameHistory.map { "\($0.name) (since \(TimeFormat.day($0.since)))" }.joined(separator: " → ")))
        }
        let width = (lines.map(\.0.count).max() ?? 0) + 2
        for (key, value) in lines {
            context.io.out(key + ":" + String(repeating: " ", count: width - key.count) + Table.clean(value) + "\n")
        }
        return .ok
    }
}
