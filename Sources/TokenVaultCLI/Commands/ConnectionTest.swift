import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem
import TokenVaultWire

/// `tokenvault test NAME [--hook CMD]`: the connection test.
struct TestCommand: VaultCommand {
    /// The options of `test`.
    enum Option: String, OptionKey {
        case hook
        case hookTimeout = "hook-timeout"

        /// How each option is written and what it means.
        var spec: OptionSpec {
            switch self {
            case .hook: .value("CMD", "The test command, run as /bin/sh -c CMD (default: the credential's own hook)")
            case .hookTimeout: HookOptions.timeout
            }
        }
    }

    /// The help, arguments and exit codes of `test`.
    static let configuration = CommandConfiguration(
        name: "test",
        abstract: "Run a connection test through a hook; the result is audited and shown by `show`",
        discussion: """
            The hook runs with TOKENVAULT_STEP=test and the current secret on its standard input, and
            exits 0 when the connection works (for an EDI platform: create a test document). It also
            gets TOKENVAULT_NAME, TOKENVAULT_CREDENTIAL_ID and the other variables rotate's hooks get.
            The result and its time are stored on the credential (see show) and audited. Without
            --hook, the credential's own hook (add or edit --hook) runs.
            """,
        arguments: [.credential],
        examples: ["tokenvault test erp-prod --hook 'curl -fsS -H @- https://erp.example.com/api/v1/ping'"],
        exitCodes: [
            .ok("the test passed"), .code(1, "the test failed"),
            .usage("no --hook and no hook of its own, or a hook whose program is not an executable file"),
            .code(3, "no such credential"), .code(4, "revoked, expired, or an issued credential"),
        ]
    )

    /// Runs `tokenvault test`.
    static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let timeout = try HookOptions.timeoutSeconds(arguments[.hookTimeout])
        let hook = arguments[.hook].map { RotationHook(command: $0, timeoutSeconds: timeout) }
        let vault = try context.openVault()
        let name = arguments.positionals[0]
        let result = try vault.testConnection(name, hook: hook, timeoutSeconds: timeout)
        if context.json {
            context.io.out(
                JSON.object([
                    ("name", .string(name)), ("passed", .bool(result.passed)), ("detail", .string(result.detail)),
                    ("tested_at", .time(result.testedAt)),
                ]).rendered() + "\n")
        } else {
            context.io.out("connection test of '\(name)': \(result.passed ? "passed" : "FAILED (\(DisplayText.clean(result.detail)))")\n")
        }
        return result.passed ? .ok : .warning
    }
}
