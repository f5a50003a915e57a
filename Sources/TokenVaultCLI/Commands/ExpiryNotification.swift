import TokenVault
internal import TokenVaultSystem

/// `expiring --notify CMD`: runs CMD once per due credential (expired, critical or within the
/// window), for mail, chat or webhooks, with the credential's metadata in its environment and
/// never a secret: `TOKENVAULT_NAME`, `TOKENVAULT_CREDENTIAL_ID`, `TOKENVAULT_STATUS`
/// (`expired`, `critical`, `warning`), `TOKENVAULT_EXPIRES_AT` (ISO 8601),
/// `TOKENVAULT_SECONDS_LEFT`, `TOKENVAULT_NOTICE_DAYS` (7, 30, 60, 0 or empty),
/// `TOKENVAULT_ISSUER` and `TOKENVAULT_API_URL` (empty when unknown).
enum ExpiryNotification {
    /// How long one notification may take before it is killed.
    static let timeoutSeconds: Int64 = 30

    /// Runs `command` for each due entry, in order; returns the names whose notification failed
    /// (a non-zero exit, a signal, a timeout), after warning about each on standard error.
    static func notify(_ command: String, of entries: [ExpiringCredential], io: any CommandIO) -> [String] {
        var failed: [String] = []
        for entry in entries where entry.status != .never {
            let credential = entry.credential
            let environment: [(String, String)] = [
                ("TOKENVAULT_NAME", credential.name), ("TOKENVAULT_CREDENTIAL_ID", credential.id),
                ("TOKENVAULT_STATUS", entry.status.rawValue), ("TOKENVAULT_EXPIRES_AT", credential.expiresAt.map(TimeFormat.iso8601) ?? ""),
                ("TOKENVAULT_SECONDS_LEFT", entry.secondsLeft.map { String($0) } ?? ""),
                ("TOKENVAULT_NOTICE_DAYS", entry.noticeDays.map { String($0) } ?? ""), ("TOKENVAULT_ISSUER", credential.issuer ?? ""),
                ("TOKENVAULT_API_URL", credential.apiURL ?? ""),
            ]
            let outcome = try? Subprocess(command: command, environment: environment, timeoutSeconds: timeoutSeconds).run()
            guard outcome?.termination != .exited(0) else { continue }
            let why =
                outcome.map { $0.termination == .timedOut ? "timed out after \(timeoutSeconds) s" : $0.termination.summary }
                ?? "could not be started"
            io.err(Table.clean("tokenvault: warning: the notification for '\(credential.name)' failed (\(why))") + "\n")
            failed.append(credential.name)
        }
        return failed
    }
}
