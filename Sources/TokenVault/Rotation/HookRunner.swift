internal import TokenVaultCrypto
internal import TokenVaultSystem

/// Runs one step of a rotation or connection-test hook (docs/rotation-hooks.md).
///
/// The hook gets `TOKENVAULT_STEP`, `TOKENVAULT_NAME`, `TOKENVAULT_CREDENTIAL_ID`,
/// `TOKENVAULT_VERSION` and, when known, `TOKENVAULT_ISSUER` and `TOKENVAULT_API_URL` in its
/// environment; secrets only ever cross on its standard input and output.
struct HookRunner {
    enum Step: String { case create, test, finish }

    let hook: RotationHook
    let credential: Credential
    let version: Int64

    /// Runs `step` with `input` on standard input; returns what it printed, or why it failed.
    func run(_ step: Step, input: Secret?) throws(VaultError) -> Result<Secret, StepFailure> {
        var environment = [
            ("TOKENVAULT_STEP", step.rawValue),
            ("TOKENVAULT_NAME", credential.name),
            ("TOKENVAULT_CREDENTIAL_ID", credential.id),
            ("TOKENVAULT_VERSION", String(version)),
        ]
        if let issuer = credential.issuer { environment.append(("TOKENVAULT_ISSUER", issuer)) }
        if let url = credential.apiURL { environment.append(("TOKENVAULT_API_URL", url)) }
        let subprocess = Subprocess(
            command: hook.command, environment: environment, input: input?.bytes,
            outputLimit: Secret.maximumByteCount, timeoutSeconds: hook.timeoutSeconds
        )
        let outcome = try system { () throws(SystemError) in try subprocess.run() }
        guard outcome.termination == .exited(0) else {
            return .failure(StepFailure(step: step, detail: outcome.termination.summary))
        }
        return .success(Secret(outcome.output))
    }

    struct StepFailure: Error {
        let step: Step
        let detail: String
        var description: String { "\(step.rawValue) step failed (\(detail))" }
    }
}
