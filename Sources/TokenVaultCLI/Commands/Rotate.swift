import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem
import TokenVaultWire

/// `tokenvault rotate NAME`, and its cron mode `rotate --expiring-within DURATION --hook CMD`:
/// replaces a credential's secret with a new version.
struct RotateCommand: VaultCommand {
    /// The options of `rotate`.
    enum Option: String, OptionKey {
        case hook
        case hookTimeout = "hook-timeout"
        case grace
        case retireAfterFirstUse = "retire-after-first-use"
        case expires
        case expiresIn = "expires-in"
        case discardPending = "discard-pending"
        case fromStdin = "from-stdin"
        case expiringWithin = "expiring-within"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .hook: .value("CMD", "Produce the new secret through a rotation hook, run as /bin/sh -c CMD once per step")
            case .hookTimeout: HookOptions.timeout
            case .grace: .value("DURATION", "Keep the previous version valid for DURATION")
            case .retireAfterFirstUse: .flag("Keep the previous version valid until the new one is first fetched or verified")
            case .expires: .value("DATE", "The new version's expiry date (also in cron mode)")
            case .expiresIn: .value("DURATION", "The new version's expiry after DURATION (also in cron mode)")
            case .discardPending: .flag("With --hook: discard a pending version left by an interrupted rotation instead of resuming it")
            case .fromStdin: .flag("Take the new secret from standard input (or the prompt), also for a credential with a hook of its own")
            case .expiringWithin: .value("DURATION", "Cron mode: rotate through --hook every credential expiring within DURATION")
            }
        }
    }

    /// The help, arguments and exit codes of `rotate`.
    static let configuration = CommandConfiguration(
        name: "rotate",
        abstract: "Replace a credential's secret with a new version (or rotate all that expire soon)",
        discussion: """
            The new secret of a stored credential comes from standard input, or from --hook. An issued
            credential is rotated by minting a new token, printed once (--hook is refused). Without
            --grace or --retire-after-first-use the old version is revoked at once; with both, at
            whichever comes first. The new version keeps the old lifetime (at least one hour; a
            never-expiring credential stays so) unless --expires or --expires-in says otherwise;
            issued tokens are capped at 180 days.

            Hooks: CMD runs as /bin/sh -c CMD once per step, with TOKENVAULT_STEP set to create (the
            current secret on standard input, the new one on standard output), test (the new secret on
            standard input; exit 0 when it works) and finish (no input), and with TOKENVAULT_NAME,
            TOKENVAULT_CREDENTIAL_ID, TOKENVAULT_VERSION and, when set, TOKENVAULT_ISSUER and
            TOKENVAULT_API_URL; never a secret in its arguments or environment. The output of create is
            stored as a pending version; a failed test revokes it and leaves the current version
            untouched; a failed finish only warns. A step running past --hook-timeout is killed with
            its process group. A rotation killed between steps is resumed at test by the next rotate
            of that credential, or discarded with --discard-pending.

            Cron mode, rotate --expiring-within DURATION --hook CMD (no NAME): every live, unrevoked
            credential that expires within DURATION (expired ones included) is rotated through the
            hook, with --grace, --retire-after-first-use, --expires, --expires-in and --hook-timeout
            as above. Issued credentials are skipped, and so is a credential another run holds or has
            just rotated. Prints a table NAME OUTCOME DETAIL and a summary. A credential whose lifetime
            is shorter than the window is rotated again by every run: give it a longer --expires-in.
            """,
        arguments: [
            Positional(name: "NAME", help: "The credential to rotate (none in cron mode)", isOptional: true)
        ],
        examples: [
            "tokenvault rotate erp-prod --grace 24h < new-token.txt",
            "tokenvault rotate erp-prod --hook /etc/tokenvault/hooks/erp --retire-after-first-use",
            "tokenvault rotate --expiring-within 7d --hook /etc/tokenvault/hooks/erp --expires-in 90d --json",
        ],
        exitCodes: [
            .ok("rotated; in cron mode, nothing failed"),
            .code(1, "a hook step failed; in cron mode, any rotation failed"),
            .usage("a source that does not fit the credential, an empty secret, a NAME with --expiring-within"),
            .code(3, "no such credential"), .code(4, "the credential is revoked"),
            .code(6, "a credential's state fails its integrity check (also in cron mode)"),
            .code(7, "another rotation holds the credential's lease"),
        ],
        withServer: .client
    )

    /// Runs `tokenvault rotate`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var policy = RotationPolicy(retireAfterFirstUse: arguments.contains(.retireAfterFirstUse))
        if let grace = arguments[.grace] { policy.graceSeconds = try TimeFormat.parseDuration(grace) }
        guard !(arguments.contains(.expires) && arguments.contains(.expiresIn)) else {
            throw VaultError(.invalidInput, "give only one of --expires and --expires-in")
        }
        if let date = arguments[.expires] { policy.expiry = .at(try TimeFormat.parseDate(date)) }
        if let duration = arguments[.expiresIn] { policy.expiry = .after(seconds: try TimeFormat.parseDuration(duration)) }
        let hook = try arguments[.hook].map { command throws(VaultError) in
            RotationHook(command: command, timeoutSeconds: try HookOptions.timeoutSeconds(arguments[.hookTimeout]))
        }

        if let window = arguments[.expiringWithin] {
            guard arguments.positionals.isEmpty else {
                throw .usage("--expiring-within rotates every due credential: give no NAME", command: configuration.name)
            }
            let seconds = try TimeFormat.parseDuration(window)
            return try cron(
                within: seconds, hook: hook, hookTimeout: try HookOptions.timeoutSeconds(arguments[.hookTimeout]), policy: policy, context)
        }
        guard let name = arguments.positionals.first else {
            throw .usage("give the NAME to rotate, or --expiring-within for the cron mode", command: configuration.name)
        }
        let vault = try context.access()
        let result: RotationResult
        if arguments.contains(.fromStdin) {
            if let option = [Option.hook, .discardPending, .hookTimeout].first(where: arguments.contains) {
                throw .usage("--from-stdin takes the new secret from standard input: --\(option.name) is for a hook", command: configuration.name)
            }
            let secret = try context.readSecret(prompt: "New token for '\(name)': ")
            result = try vault.rotate(name, from: .secret(secret), policy: policy, discardPending: false)
        } else if let hook {
            result = try vault.rotate(name, from: .hook(hook), policy: policy, discardPending: arguments.contains(.discardPending))
        } else if arguments.contains(.discardPending) || arguments.contains(.hookTimeout) {
            // Options of a hook rotation: the credential's own hook.
            let timeout = try HookOptions.timeoutSeconds(arguments[.hookTimeout])
            result = try vault.rotate(
                name, from: .ownHook(timeoutSeconds: timeout), policy: policy, discardPending: arguments.contains(.discardPending))
        } else {
            result = try vault.rotate(name, policy: policy) { () throws(VaultError) -> Secret in
                try context.readSecret(prompt: "New token for '\(name)': ")
            }
        }
        let now = vault.now
        let summary =
            "rotated '\(name)' to version \(result.version)\(result.resumed ? " (resumed)" : ""), expires \(CredentialOutput.expiry(result.credential, now: now))"
        let fields: [(String, JSON)] = [
            ("name", .string(name)), ("version", .int(Int64(result.version))), ("resumed", .bool(result.resumed)),
            ("expires_at", .time(result.credential.expiresAt)), ("finish_failure", .optional(result.finishFailure)),
            ("issuer_steps", IssuerStepOutput.json(result.issuerSteps)),
        ]
        if let token = result.mintedToken {
            // A minted token goes inside the one JSON document, as `issue --json` does.
            context.printShownOnce(token, fields: fields, note: summary)
        } else {
            context.printDone(summary, fields)
        }
        if result.issuerSteps.isEmpty, let failure = result.finishFailure {
            context.io.err("tokenvault: warning: \(failure); version \(result.version) is current all the same\n")
        }
        _ = context.warnAboutIssuerSteps(result.issuerSteps)
        return .ok
    }

    private static func cron(
        within seconds: Int64, hook: RotationHook?, hookTimeout: Int64, policy: RotationPolicy, _ context: CommandContext
    ) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let run = try vault.rotateExpiring(within: seconds, hook: hook, policy: policy, hookTimeoutSeconds: hookTimeout)
        let reports = run.rotations
        var counts = (rotated: 0, skipped: 0, failed: 0)
        var table = Table(["NAME", "OUTCOME", "DETAIL"])
        var json: [JSON] = []
        for report in reports {
            let (outcome, detail): (String, String)
            switch report.outcome {
            case .rotated(let version):
                counts.rotated += 1
                (outcome, detail) = ("rotated", "version \(version)")
            case .skipped(let why):
                counts.skipped += 1
                (outcome, detail) = ("skipped", why)
            case .failed(let why):
                counts.failed += 1
                (outcome, detail) = ("failed", why)
            }
            table.append([report.name, outcome, detail])
            json.append(.object([("name", .string(report.name)), ("outcome", .string(outcome)), ("detail", .string(detail))]))
        }
        if context.json {
            context.io.out(
                JSON.object([
                    ("rotated", .int(Int64(counts.rotated))), ("skipped", .int(Int64(counts.skipped))),
                    ("failed", .int(Int64(counts.failed))), ("credentials", .array(json)),
                    ("issuer_steps", IssuerStepOutput.json(run.issuerSteps)),
                ]).rendered() + "\n")
        } else {
            if !reports.isEmpty { context.io.out(table.rendered()) }
            var summary = "rotated \(counts.rotated), skipped \(counts.skipped), failed \(counts.failed)"
            if !run.issuerSteps.isEmpty {
                let done = run.issuerSteps.filter { $0.outcome == .done }.count
                summary += "; issuer steps: \(done) done, \(run.issuerSteps.count - done) not"
            }
            context.io.out(summary + "\n")
        }
        _ = context.warnAboutIssuerSteps(run.issuerSteps)
        // Tampered or stale state outranks a failing hook: exit 6, as for one credential.
        if reports.contains(where: { $0.failureKind == .integrity }) { return .integrity }
        return run.hasFailures ? .warning : .ok
    }
}
