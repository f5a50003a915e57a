internal import TokenVaultCrypto
internal import TokenVaultSystem

/// Runs one step of a rotation, test or revoke hook (docs/rotation-hooks.md).
///
/// Every step gets the credential's metadata in its environment (`TOKENVAULT_STEP`,
/// `TOKENVAULT_NAME`, `TOKENVAULT_CREDENTIAL_ID`, the versions involved, the intended expiry, the
/// grants, the issuer's ids); secrets only ever cross on its standard input and output.
struct HookRunner {
    enum Step: String {
        case create, test, finish, rollback, revoke

        init(_ step: UpstreamStep) {
            switch step {
            case .rollback: self = .rollback
            case .finish: self = .finish
            case .revoke: self = .revoke
            }
        }
    }

    let hook: RotationHook
    /// What the hook answered to the probe.
    let protocolVersion: HookProtocol
    let credential: Credential
    var context: HookContext

    /// Runs `step` with `input` on standard input; returns what it printed, or why it failed.
    func run(_ step: Step, input: Secret?) throws(VaultError) -> Result<Secret, StepFailure> {
        let subprocess = Subprocess(
            command: hook.command, environment: environment(step), input: input?.bytes,
            outputLimit: Secret.maximumByteCount, timeoutSeconds: hook.timeoutSeconds
        )
        let outcome = try system { () throws(SystemError) in try subprocess.run() }
        guard outcome.termination == .exited(0) else {
            return .failure(StepFailure(step: step, detail: outcome.termination.summary))
        }
        return .success(Secret(outcome.output))
    }

    /// The step's environment: never a secret.
    func environment(_ step: Step) -> [(String, String)] {
        var environment = [
            ("TOKENVAULT_HOOK_PROTOCOL", String(protocolVersion.rawValue)),
            ("TOKENVAULT_STEP", step.rawValue),
            ("TOKENVAULT_NAME", credential.name),
            ("TOKENVAULT_CREDENTIAL_ID", credential.id),
            ("TOKENVAULT_VERSION", String(context.version)),
            ("TOKENVAULT_PREVIOUS_VERSION", context.previousVersion.map { String($0) } ?? ""),
            ("TOKENVAULT_EXPIRES_AT", context.expiresAt.map(TimeFormat.iso8601) ?? ""),
            ("TOKENVAULT_GRANTS", credential.scope.grants.map(\.description).joined(separator: " ")),
            ("TOKENVAULT_LEGACY", credential.isLegacy ? "1" : "0"),
        ]
        if let issuer = credential.issuer { environment.append(("TOKENVAULT_ISSUER", issuer)) }
        if let url = credential.apiURL { environment.append(("TOKENVAULT_API_URL", url)) }
        if let id = context.upstreamID { environment.append(("TOKENVAULT_UPSTREAM_ID", id)) }
        if let id = context.previousUpstreamID { environment.append(("TOKENVAULT_PREVIOUS_UPSTREAM_ID", id)) }
        return environment
    }

    struct StepFailure: Error {
        let step: Step
        let detail: String
        var description: String { "\(step.rawValue) step failed (\(detail))" }
    }
}

/// The versions a hook step is about, and what the vault knows of them.
struct HookContext {
    /// The version the step is about: the new one for `create`, `test` and `finish`; the pending
    /// one for `rollback`; the revoked one for `revoke`.
    var version: Int64
    /// The version it replaces, or that stays current (for `rollback`).
    var previousVersion: Int64?
    /// The intended expiry of `version` (nil: never).
    var expiresAt: UnixTime?
    var upstreamID: String?
    var previousUpstreamID: String?
}

/// The hook protocol a hook speaks, as its answer to `TOKENVAULT_STEP=probe` says.
enum HookProtocol: Int, Sendable {
    /// `create`, `test` and `finish` (nothing on stdin); never sent `rollback` or `revoke`.
    case one = 1
    /// Adds `rollback` and `revoke`, the previous secret on `finish`'s stdin, and `create`'s
    /// `key=value` lines.
    case two = 2

    /// The probe's time limit: a hook that does not answer this quickly speaks protocol 1.
    static let probeSeconds: Int64 = 10

    /// Runs `hook` with `TOKENVAULT_STEP=probe` and nothing on standard input: a hook that prints
    /// a line `protocol=2` speaks protocol 2; anything else (no output, a failure, an unknown
    /// step refused, a time-out) means protocol 1.
    static func probe(_ hook: RotationHook) throws(VaultError) -> HookProtocol {
        let subprocess = Subprocess(
            command: hook.command, environment: [("TOKENVAULT_HOOK_PROTOCOL", "2"), ("TOKENVAULT_STEP", "probe")],
            input: SecureBytes(copying: []), outputLimit: 1_024, timeoutSeconds: min(hook.timeoutSeconds, probeSeconds)
        )
        let outcome = try system { () throws(SystemError) in try subprocess.run() }
        guard outcome.termination == .exited(0) else { return .one }
        let lines = outcome.output.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }.split(whereSeparator: \.isNewline)
        return lines.contains { $0.trimmingWhitespace() == "protocol=2" } ? .two : .one
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
