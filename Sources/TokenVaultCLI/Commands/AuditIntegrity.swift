import TokenVault
internal import TokenVaultSystem

struct AuditVerifyCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "audit verify",
        abstract: "Prove the audit trail intact, or name its first bad event",
        usage: "audit verify [--seal FILE --public-key FILE]",
        discussion: """
            Without options: checks with the vault's key that every event is present, in order,
            matches its hash and carries a valid MAC; then that the vault's state (credentials, grants,
            secret versions, name history) is authentic and as new as the trail says, naming the first
            bad row's table and credential. With --seal and --public-key: needs no vault key;
            checks the seal's signature, then the trail's hash chain up to the sealed event, and
            detects truncation and rollback. Events after the seal are chain-checked and counted: they
            are not covered by it. Exit 0 when intact, 6 at the first problem.
            """,
        options: [
            .value("seal", "FILE", "A seal written by `audit seal`"),
            .value("public-key", "FILE", "The vault's seal public key (`audit seal --public-key-out`)"),
        ],
        examples: [
            "tokenvault audit verify",
            "tokenvault --vault copy.db audit verify --seal seal-2026-11-22.txt --public-key vault.pub",
        ],
        opensVault: false
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let report: AuditReport
        var seal: AuditSeal?
        switch (arguments.value("seal"), arguments.value("public-key")) {
        case (nil, nil):
            report = try context.openVault().verifyAuditTrail()
        case (let sealPath?, let keyPath?):
            let parsed = try AuditSeal(text: system { () throws(SystemError) in try TextFiles.read(sealPath) })
            seal = parsed
            report = try AuditSealVerifier.verify(
                vaultAt: context.vaultPath, seal: parsed, publicKey: SealPublicKey.parse(system { () throws(SystemError) in try TextFiles.read(keyPath) })
            )
        default:
            throw ParsedArguments.usageError("--seal and --public-key go together", command: "audit verify")
        }
        if context.json {
            context.io.out(JSON.object([
                ("intact", .bool(report.isIntact)), ("events_checked", .int(report.eventsChecked)),
                ("head", .string(HexText.string(report.headHash))),
                ("credentials_checked", report.credentialsChecked.map(JSON.int) ?? .null),
                ("problem", report.problem.map { problem in
                    .object([
                        ("kind", .string(problem.kind.rawValue)), ("event", .int(problem.sequence)),
                        ("table", problem.table.map(JSON.string) ?? .null), ("credential", problem.credential.map(JSON.string) ?? .null),
                        ("description", .string(problem.description)),
                    ])
                } ?? .null),
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

struct AuditSealCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "audit seal",
        abstract: "Write a signed checkpoint of the audit trail, to keep outside the vault",
        usage: "audit seal [--out FILE] [--public-key-out FILE]",
        discussion: """
            Appends a `seal` event and signs (Ed25519, with the vault's seal key, created on first use)
            the vault id, the event count, the head hash and the time. Keep seals, and the public key,
            where whoever can write the vault cannot: `audit verify --seal` then detects truncation and
            rollback. Events after the last seal are protected only by the chain and its MACs. Files
            are created with mode 0600 and never overwritten.
            """,
        options: [
            .value("out", "FILE", "Write the seal to FILE instead of standard output"),
            .value("public-key-out", "FILE", "Also write the public key that verifies seals"),
        ],
        examples: ["tokenvault audit seal --out /backup/seals/seal-$(date +%F-%H%M).txt"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        // Check the outputs first: a refused output must not leave a seal event behind.
        for option in ["out", "public-key-out"] {
            if let path = arguments.value(option) { try system { () throws(SystemError) in try TextFiles.requireAbsent(path) } }
        }
        let vault = try context.openVault()
        let seal = try vault.sealAuditTrail()
        if let path = arguments.value("public-key-out") {
            try system { () throws(SystemError) in try TextFiles.createNew(path, contents: SealPublicKey.text(seal.publicKey)) }
        }
        if let path = arguments.value("out") {
            try system { () throws(SystemError) in try TextFiles.createNew(path, contents: seal.text) }
            context.printDone("sealed \(seal.eventCount) events into \(path)", [("sealed_events", .int(seal.eventCount)), ("out", .string(path))])
        } else {
            context.io.out(seal.text)
        }
        return .ok
    }
}
