package import TokenVault
package import TokenVaultJSON

/// How the hook steps that close tokens at their issuer are shown in JSON (docs/cli.md): a step
/// a version still owes (`show`, `report`), and a step run or left waiting (`rotate`, `revoke`,
/// `delete`). One place, with its inverse for the CLI as a client.
package enum IssuerStepOutput {
    /// `{"step", "attempts", "last_failure", "due"}`.
    package static func json(_ waiting: WaitingStep) -> JSON {
        .object([
            ("step", .string(waiting.step.rawValue)), ("attempts", .int(Int64(waiting.attempts))),
            ("last_failure", .optional(waiting.lastFailure)), ("due", .bool(waiting.isDue)),
        ])
    }

    /// `{"name", "version", "step", "outcome": "done"|"failed"|"waiting", "detail"}`.
    package static func json(_ result: IssuerStepResult) -> JSON {
        let (outcome, detail): (String, String?) =
            switch result.outcome {
            case .done: ("done", nil)
            case .failed(let why): ("failed", why)
            case .waiting(let why): ("waiting", why)
            }
        return .object([
            ("name", .string(result.name)), ("version", .int(Int64(result.version))), ("step", .string(result.step.rawValue)),
            ("outcome", .string(outcome)), ("detail", .optional(detail)),
        ])
    }

    /// A list of results as a JSON array.
    package static func json(_ results: [IssuerStepResult]) -> JSON {
        .array(results.map { json($0) })
    }

    /// The inverse of ``json(_:)-(WaitingStep)``.
    static func waiting(_ json: JSON) throws(VaultError) -> WaitingStep {
        guard let step = json["step"]?.stringValue.flatMap(UpstreamStep.init(rawValue:)), let attempts = json["attempts"]?.int64Value,
            let due = json["due"]?.boolValue
        else { throw WireDecoding.malformed }
        return WaitingStep(step: step, attempts: Int(attempts), lastFailure: json["last_failure"]?.stringValue, isDue: due)
    }

    /// The inverse of ``json(_:)-(IssuerStepResult)``.
    static func result(_ json: JSON) throws(VaultError) -> IssuerStepResult {
        guard let name = json["name"]?.stringValue, let version = json["version"]?.int64Value,
            let step = json["step"]?.stringValue.flatMap(UpstreamStep.init(rawValue:)), let outcome = json["outcome"]?.stringValue
        else { throw WireDecoding.malformed }
        let detail = json["detail"]?.stringValue ?? ""
        let decoded: IssuerStepResult.Outcome
        switch outcome {
        case "done": decoded = .done
        case "failed": decoded = .failed(detail)
        case "waiting": decoded = .waiting(detail)
        default: throw WireDecoding.malformed
        }
        return IssuerStepResult(name: name, version: Int(version), step: step, outcome: decoded)
    }
}
