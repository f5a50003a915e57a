import TokenVault
import TokenVaultJSON
import TokenVaultWire

/// `tokenvault show NAME`: one credential's details.
struct ShowCommand: VaultCommand {
    /// The help, arguments and exit codes of `show`.
    static let configuration = CommandConfiguration(
        name: "show",
        abstract: "Show a credential's details, versions, name history and last use",
        discussion: """
            Shows the name, id, kind, state, scope, expiry, labels, creation and last use, then when
            present the revocation, the last connection test, the flags, one line per secret version
            and the name history. Never a secret. Not audited.
            """,
        arguments: [.credential],
        examples: ["tokenvault show erp-prod --json"],
        exitCodes: [.ok("the details were printed"), .code(3, "no such credential")],
        withServer: .client
    )

    /// Runs `tokenvault show`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.access()
        let details = try vault.show(arguments.positionals[0])
        let credential = details.credential
        let now = vault.now
        if context.json {
            context.io.out(CredentialOutput.detailsJSON(details, now: now).rendered() + "\n")
            return .ok
        }
        var lines: [(String, String)] = [
            ("name", credential.name), ("id", credential.id), ("kind", credential.kind.rawValue),
            ("state", credential.state(at: now).rawValue), ("scope", CredentialOutput.scope(credential)),
            ("expires", CredentialOutput.expiry(credential, now: now)), ("issuer", credential.issuer ?? "-"),
            ("api url", credential.apiURL ?? "-"), ("description", credential.description ?? "-"), ("hook", credential.hook ?? "-"),
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
            if let id = version.upstreamID { text += ", issuer id \(id)" }
            if let closed = version.closedAt { text += ", closed at the issuer \(TimeFormat.iso8601(closed))" }
            if let waiting = version.waiting { text += "; \(waiting)" }
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
