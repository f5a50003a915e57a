import TokenVault
internal import TokenVaultSystem

/// `tokenvault audit seal`: writes a signed checkpoint of the audit trail.
struct AuditSealCommand: VaultCommand {
    /// The options of `audit seal`.
    enum Option: String, OptionKey {
        case out
        case publicKeyOut = "public-key-out"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .out: .value("FILE", "Write the seal to FILE (a new file, mode 0600) instead of standard output")
            case .publicKeyOut: .value("FILE", "Also write the public key that verifies seals (a new file, mode 0600)")
            }
        }
    }

    /// The help, arguments and exit codes of `audit seal`.
    static let configuration = CommandConfiguration(
        name: "audit seal",
        abstract: "Write a signed checkpoint of the audit trail, to keep outside the vault",
        discussion: """
            Appends a `seal` event and signs (Ed25519, with the vault's seal key, created on first use)
            the vault id, the event count, the head hash and the time. Keep seals, and the public key,
            where whoever can write the vault cannot: `audit verify --seal` then detects truncation and
            rollback. Events after the last seal are protected only by the chain and its MACs. Files
            are created with mode 0600 and never overwritten. With --json and --out, prints
            {"sealed_events":N,"out":FILE}; without --out the seal text is printed as is.
            """,
        examples: ["tokenvault audit seal --out /backup/seals/seal-$(date +%F-%H%M).txt --public-key-out vault.pub"],
        exitCodes: [.ok("the trail was sealed"), .usage("an output path that exists, or whose folder does not")],
        withServer: .client
    )

    /// Runs `tokenvault audit seal`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        // Check the outputs first: a refused output must not leave a seal event behind.
        for option in Option.allCases {
            if let path = arguments[option] { try system { () throws(SystemError) in try TextFiles.requireAbsent(path) } }
        }
        let vault = try context.access()
        let seal = try vault.sealAuditTrail()
        if let path = arguments[.publicKeyOut] {
            try system { () throws(SystemError) in try TextFiles.createNew(path, contents: SealPublicKey.text(seal.publicKey)) }
        }
        if let path = arguments[.out] {
            try system { () throws(SystemError) in try TextFiles.createNew(path, contents: seal.text) }
            context.printDone("sealed \(seal.eventCount) events into \(path)", [("sealed_events", .int(seal.eventCount)), ("out", .string(path))])
        } else {
            context.io.out(seal.text)
        }
        return .ok
    }
}
