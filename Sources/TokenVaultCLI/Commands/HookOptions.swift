import TokenVault

/// The option `rotate` and `test` share: how long a hook step may run.
enum HookOptions {
    /// `--hook-timeout DURATION`.
    static let timeout = OptionSpec.value("DURATION", "Kill a hook step (with its process group) after DURATION (default 60s, at most 1h)")

    /// The hook timeout in seconds: the value of `--hook-timeout`, or 60 when it was not given.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for a bad duration, or one over an hour.
    static func timeoutSeconds(_ text: String?) throws(VaultError) -> Int64 {
        guard let text else { return 60 }
        let seconds = try TimeFormat.parseDuration(text)
        guard seconds <= 3_600 else { throw VaultError(.invalidInput, "--hook-timeout is at most 1h") }
        return seconds
    }
}
