import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem

/// `tokenvault audit verify`: proves the audit trail and the vault's state intact.
struct AuditVerifyCommand: VaultCommand {
    /// The options of `audit verify`.
    enum Option: String, OptionKey {
        case seal
        case publicKey = "public-key"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .seal: .value("FILE", "A seal written by audit seal")
            case .publicKey: .value("FILE", "The vault's seal public key (audit seal --public-key-out)")
            }
        }
    }

    /// The help, arguments and exit codes of `audit verify`.
    static let configuration = CommandConfiguration(
        name: "audit verify",
        abstract: "Prove the audit trail intact, or name its first bad event",
        discussion: """
            Without options: checks with the vault's key that every event is present, in order,
            matches its hash and carries a valid MAC; then that the vault's state (credentials, grants,
            secret versions, name history) is authentic and as new as the trail says, naming the first
            bad row's table and credential. With --seal and --public-key: needs no vault key;
            checks the seal's signature, then the trail's hash chain up to the sealed event, and
            detects truncation and rollback. Events after the seal are chain-checked and counted: they
            are not covered by it. --seal and --public-key go together. With --json a broken trail
            prints the document and exits 6 without an error line. Not audited.
            """,
        examples: [
            "tokenvault audit verify",
            "tokenvault --vault copy.db audit verify --seal seal-2026-11-22.txt --public-key vault.pub",
        ],
        exitCodes: [
            .ok("the trail (and the vault's state) is intact"),
            .code(6, "the trail or the state is broken, or the seal does not verify or belongs to another vault"),
            .usage("only one of --seal and --public-key, a file that is not a seal or a public key, or a link"),
            .code(3, "no vault file, or no such seal or key file"),
        ]
    )

    /// Runs `tokenvault audit verify`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let report: AuditReport
        var seal: AuditSeal?
        switch (arguments[.seal], arguments[.publicKey]) {
        case (nil, nil):
            report = try context.openVault().verifyAuditTrail()
        case (let sealPath?, let keyPath?):
            let parsed = try AuditSeal(text: system { () throws(SystemError) in try TextFiles.read(sealPath) })
            seal = parsed
            report = try AuditSealVerifier.verify(
                vaultAt: context.vaultPath(), seal: parsed,
                publicKey: SealPublicKey.parse(system { () throws(SystemError) in try TextFiles.read(keyPath) })
            )
        default:
            throw .usage("--seal and --public-key go together", command: configuration.name)
        }
        if context.json {
            context.io.out(
                JSON.object([
                    ("intact", .bool(report.isIntact)), ("events_checked", .int(report.eventsChecked)),
                    ("head", .string(HexText.string(report.headHash))),
                    ("credentials_checked", report.credentialsChecked.map(JSON.int) ?? .null),
                    (
                        "problem",
                        report.problem.map { problem in
                            .object([
                                ("kind", .string(problem.kind.rawValue)), ("event", .int(problem.sequence)),
                                ("table", problem.table.map(JSON.string) ?? .null), ("credential", problem.credential.map(JSON.string) ?? .null),
                                ("description", .string(problem.description)),
                            ])
                        } ?? .null
                    ),
                    ("sealed_events", seal.map { .int($0.eventCount) } ?? .null),
                    ("events_after_seal", report.eventsAfterSeal.map(JSON.int) ?? .null),
                ]).rendered() + "\n")
        }
        guard let problem = report.problem else {
            if !context.json {
                if let seal {
                    context.io.out("audit trail intact up to the seal: \(seal.eventCount) events, sealed at \(TimeFormat.iso8601(seal.sealedAt))\n")
                    if let after = report.eventsAfterSeal, after > 0 {
                        context.io.out("\(after) later events are chain-consistent but not covered by the seal\n")
                    }
                } else {
                    context.io.out("audit trail intact: \(report.eventsChecked) events, head \(HexText.string(report.headHash).prefix(16))\n")
                    if let credentials = report.credentialsChecked {
                        context.io.out("vault state intact: \(credentials) credentials match the trail\n")
                    }
                }
            }
            return .ok
        }
        if context.json { return .integrity }
        if problem.table != nil { throw VaultError(.integrity, "vault state tampered: \(problem.description)") }
        throw VaultError(.integrity, "audit trail broken: \(problem.description)")
    }
}
