internal import Glibc

/// This process, as rotation leases and audit actors name it.
package enum ProcessIdentity {
    /// The host name, or `unknown`.
    package static var host: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package static var pid: Int64 { Int64(getpid()) }

    /// Whether a lease owner still runs: same host and the process exists. On another host
    /// only the lease's deadline counts, so this answers true.
    package static func isAlive(host owner: String, pid: Int64) -> Bool {
        guard owner == host else { return true }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }

    /// The effective user's name, or `uid:N` when it has none.
    package static var userName: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid:\(geteuid())"
    }

    /// Whether the process runs as root (effective user id 0).
    package static var isRoot: Bool { geteuid() == 0 }

    /// How many processors are online (at least 1).
    package static var processorCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

/// The system's real-time clock.
package enum SystemClock {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    package static var now: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
