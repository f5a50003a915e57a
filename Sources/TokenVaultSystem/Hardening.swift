internal import CPosix
internal import Glibc
import Synchronization

/// Process hardening applied before the CLI touches any secret, and undone for `exec`'s child.
///
/// For a process that handles secrets (the CLI); a program that links the library hardens itself.
package enum Hardening {
    private struct Saved: Sendable {
        let umask: mode_t
        let coreSoftLimit: UInt64
    }

    /// What the process had before ``apply()``, for ``restoreForChild()``.
    private static let saved = Mutex<Saved?>(nil)

    /// - Files created from here on are private (umask 077), on top of the explicit modes
    ///   the vault sets.
    /// - No core dump can hold a secret (soft RLIMIT_CORE = 0), and the process is not dumpable,
    ///   which also forbids same-user `ptrace` attach and `/proc/PID/mem` or `environ` reads.
    /// - SIGPIPE is ignored, so a closed pipe turns into a write error instead of killing the
    ///   process in the middle of an operation.
    package static func apply() {
        var core: UInt64 = 0
        _ = cposix_core_soft_limit(&core)
        let previous = umask(0o077)
        saved.withLock { $0 = Saved(umask: previous, coreSoftLimit: core) }
        _ = cposix_set_core_soft_limit(0)
        _ = cposix_set_not_dumpable()
        signal(SIGPIPE, SIG_IGN)
    }

    /// Ignores SIGPIPE, alone: for a process that writes to sockets through a library that
    /// cannot ask for `MSG_NOSIGNAL` (OpenSSL writes with `write(2)`), so that a peer gone
    /// mid-write is a write error, not the end of the process. ``apply()`` does it too.
    package static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Gives a program about to replace this process (`exec`) the settings the user had:
    /// default SIGPIPE, the original umask and core limit. (Dumpability resets on exec.)
    package static func restoreForChild() {
        signal(SIGPIPE, SIG_DFL)
        guard let saved = saved.withLock({ $0 }) else { return }
        umask(saved.umask)
        _ = cposix_set_core_soft_limit(saved.coreSoftLimit)
    }
}
