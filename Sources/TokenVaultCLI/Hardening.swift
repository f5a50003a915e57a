internal import CPosix
internal import Glibc

/// Process hardening applied before the CLI touches any secret.
enum Hardening {
    /// - Files created from here on are private (umask 077), on top of the explicit modes
    ///   the vault sets.
    /// - No core dump can hold a secret (RLIMIT_CORE = 0), and the process is not dumpable,
    ///   which also forbids same-user `ptrace` attach and `/proc/PID/mem` reads.
    /// - SIGPIPE is ignored, so a closed pipe turns into a write error instead of killing the
    ///   process in the middle of an operation.
    static func apply() {
        umask(0o077)
        _ = cposix_disable_core_dumps()
        _ = cposix_set_not_dumpable()
        signal(SIGPIPE, SIG_IGN)
    }
}
