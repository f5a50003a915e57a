import TokenVault
internal import TokenVaultSystem

struct RotateCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "rotate",
        abstract: "Replace a credential's secret with a new version (or rotate all that expire soon)",
        usage: """
            rotate NAME [--hook CMD] [--grace 24h] [--retire-after-first-use] [--expires DATE | --expires-in 90d]
               tokenvault rotate --expiring-within 7d --hook CMD [--grace 24h] [--retire-after-first-use]
            """,
        discussion: """
            A stored token's new secret comes from standard input, or from --hook (create, test and
            finish steps; see docs/rotation-hooks.md). An issued token is rotated by minting a new one,
            printed once. Without --grace or --retire-after-first-use the old version is revoked at
            once. The new version keeps the old lifetime unless --expires/--expires-in says otherwise.
            A rotation killed half-way is resumed by the next run (or discarded with --discard-pending).

            --expiring-within is the cron mode: every live credential that expires within the window
            (expired ones included) is rotated through --hook. Two runs at once never rotate one
            credential twice: the second skips it. Prints a summary; exits 1 when any rotation failed, 6 when one was refused
            because its state fails its integrity check.
            """,
        options: [
            .value("hook", "CMD", "Rotation hook, run as /bin/sh -c CMD once per step"),
            .value("hook-timeout", "DURATION", "Kill a hook step after DURATION (default 60s)"),
            .value("grace", "DURATION", "Keep the previous version valid for DURATION"),
            .flag("retire-after-first-use", "Keep the previous version valid until the new one is first used"),
            .value("expires", "DATE", "The new version's expiry date"),
            .value("expires-in", "DURATION", "The new version's expiry after a duration"),
            .flag("discard-pending", "Discard a pending version left by an interrupted rotation instead of resuming it"),
            .value("expiring-within", "DURATION", "Cron mode: rotate every credential expiring within DURATION"),
        ],
        positionals: 0...1,
        examples: [
            "tokenvault rotate erp-prod --grace 24h < new-token.txt",
            "tokenvault rotate erp-prod --hook /etc/tokenvault/hooks/erp --retire-after-first-use",
            "tokenvault rotate --expiring-within 7d --hook /etc/tokenvault/hooks/erp   # in cron",
        ]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        var policy = RotationPolicy(retireAfterFirstUse: arguments.flag("retire-after-first-use"))
        if let grace = arguments.value("grace") { policy.graceSeconds = try TimeFormat.parseDuration(grace) }
        guard !(arguments.has("expires") && arguments.has("expires-in")) else {
            throw VaultError(.invalidInput, "give only one of --expires and --expires-in")
        }
        if let date = arguments.value("expires") { policy.expiry = .at(try TimeFormat.parseDate(date)) }
        if let duration = arguments.value("expires-in") { policy.expiry = .after(seconds: try TimeFormat.parseDuration(duration)) }
        let hook = try arguments.value("hook").map { command throws(VaultError) in
            RotationHook(command: command, timeoutSeconds: try hookTimeout(arguments))
        }

        if let window = arguments.value("expiring-within") {
            guard arguments.positionals.isEmpty else {
                throw ParsedArguments.usageError("--expiring-within rotates every due credential: give no NAME", command: "rotate")
            }
            guard let hook else { throw ParsedArguments.usageError("--expiring-within needs --hook", command: "rotate") }
            let seconds = try TimeFormat.parseDuration(window)
            return try cron(within: seconds, hook: hook, policy: policy, context)
        }
        guard let name = arguments.positionals.first else {
            throw ParsedArguments.usageError("give the NAME to rotate, or --expiring-within for the cron mode", command: "rotate")
        }
        let vault = try context.openVault()
        let result: RotationResult
        if let hook {
            result = try vault.rotate(name, from: .hook(hook), policy: policy, discardPending: arguments.flag("discard-pending"))
        } else {
            result = try vault.rotate(name, policy: policy) { () throws(VaultError) -> Secret in
                try context.readSecret(prompt: "New token for '\(name)': ")
            }
        }
        let now = vault.configuration.clock.now
        let summary = "rotated '\(name)' to version \(result.version)\(result.resumed ? " (resumed)" : ""), expires \(CredentialOutput.expiry(result.credential, now: now))"
        if context.json {
            // A minted token goes inside the one JSON document, as `issue --json` does.
            if let token = result.mintedToken {
                context.io.out("{\"token\":\"")
                token.withUnsafeBytes { context.io.writeOut($0) }
                context.io.out("\",")
            } else {
                context.io.out("{")
            }
            let fields = JSON.object([
                ("name", .string(name)), ("version", .int(Int64(result.version))), ("resumed", .bool(result.resumed)),
                ("expires_at", .time(result.credential.expiresAt)), ("finish_failure", .optional(result.finishFailure)),
            ]).rendered()
            context.io.out(String(fields.dropFirst()) + "\n")
        } else if let token = result.mintedToken {
            token.withUnsafeBytes { context.io.writeOut($0) }
            context.io.out("\n")
            context.io.err(summary + "; this token is shown once\n")
        } else {
            context.io.out(summary + "\n")
        }
        if let failure = result.finishFailure {
            context.io.err("tokenvault: warning: \(failure); version \(result.version) is current all the same\n")
        }
        return .ok
    }

    private static func cron(within seconds: Int64, hook: RotationHook, policy: RotationPolicy, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let reports = try vault.rotateExpiring(within: seconds, hook: hook, policy: policy)
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
            context.io.out(JSON.object([
                ("rotated", .int(Int64(counts.rotated))), ("skipped", .int(Int64(counts.skipped))),
                ("failed", .int(Int64(counts.failed))), ("credentials", .array(json)),
            ]).rendered() + "\n")
        } else {
            if !reports.isEmpty { context.io.out(table.rendered()) }
            context.io.out("rotated \(counts.rotated), skipped \(counts.skipped), failed \(counts.failed)\n")
        }
        // Tampered or stale state outranks a failing hook: exit 6, as for one credential.
        if reports.contains(where: { $0.failureKind == .integrity }) { return .integrity }
        return counts.failed > 0 ? .warning : .ok
    }

    static func hookTimeout(_ arguments: ParsedArguments) throws(VaultError) -> Int64 {
        guard let text = arguments.value("hook-timeout") else { return 60 }
        let seconds = try TimeFormat.parseDuration(text)
        guard seconds <= 3_600 else { throw VaultError(.invalidInput, "--hook-timeout is at most 1h") }
        return seconds
    }
}

struct TestCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "test",
        abstract: "Run a connection test through a hook; the result is audited and shown by `show`",
        usage: "test NAME --hook CMD [--hook-timeout 60s]",
        discussion: """
            The hook runs with TOKENVAULT_STEP=test and the current secret on its standard input, and
            exits 0 when the connection works (for an EDI platform: create a test document). Exit 0
            when the test passed, 1 when it failed.
            """,
        options: [
            .value("hook", "CMD", "The test command, run as /bin/sh -c CMD"),
            .value("hook-timeout", "DURATION", "Kill the test after DURATION (default 60s)"),
        ],
        positionals: 1...1,
        examples: ["tokenvault test erp-prod --hook 'curl -fsS -H @- https://erp.example.com/api/v1/ping'"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard let command = arguments.value("hook") else { throw ParsedArguments.usageError("test needs --hook CMD", command: "test") }
        let hook = RotationHook(command: command, timeoutSeconds: try RotateCommand.hookTimeout(arguments))
        let vault = try context.openVault()
        let name = arguments.positionals[0]
        let result = try vault.testConnection(name, hook: hook)
        if context.json {
            context.io.out(JSON.object([
                ("name", .string(name)), ("passed", .bool(result.passed)), ("detail", .string(result.detail)),
                ("tested_at", .time(result.testedAt)),
            ]).rendered() + "\n")
        } else {
            context.io.out("connection test of '\(name)': \(result.passed ? "passed" : "FAILED (\(DisplayText.clean(result.detail)))")\n")
        }
        return result.passed ? .ok : .warning
    }
}
