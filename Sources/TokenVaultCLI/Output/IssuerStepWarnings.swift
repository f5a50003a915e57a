import TokenVault

extension CommandContext {
    /// Reports the steps run at issuers that did not finish: each on standard error, as a
    /// warning (cron mails it); the JSON document carries them all under `issuer_steps`.
    ///
    /// - Returns: whether one of them failed, which makes the command exit 1.
    func warnAboutIssuerSteps(_ steps: [IssuerStepResult]) -> Bool {
        for step in steps where step.outcome != .done {
            io.err("tokenvault: warning: \(Table.clean(step.description))\n")
        }
        return steps.contains(where: \.isFailure)
    }
}
