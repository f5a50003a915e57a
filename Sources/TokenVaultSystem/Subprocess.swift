internal import Glibc
package import TokenVaultCrypto

/// Runs a shell command with secrets crossing only through pipes.
///
/// Used for key commands (`--key-command`) and, later, rotation and test hooks. The
/// command runs as `/bin/sh -c COMMAND` in its own process group, with:
/// - standard input: the given bytes through a pipe, then end of file (or `/dev/null`);
/// - standard output: captured into wiped memory, at most `outputLimit` bytes;
/// - standard error: inherited, so its diagnostics reach the user;
/// - the environment: ours plus `environment`, which must never hold a secret.
///
/// A command that outlives `timeoutSeconds` is killed with its whole process group.
package struct Subprocess {
    package enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        case outputTooLarge

        /// How the command ended, for messages and the audit: `exit status 3`, `killed by
        /// signal 9`, `timed out`, `printed too much`.
        package var summary: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signaled(let signal): "killed by signal \(signal)"
            case .timedOut: "timed out"
            case .outputTooLarge: "printed too much"
            }
        }
    }

    package struct Outcome {
        package let termination: Termination
        package let output: SecureBytes
    }

    package var command: String
    package var environment: [(String, String)] = []
    package var input: SecureBytes?
    package var outputLimit = 64 * 1_024
    package var timeoutSeconds: Int64 = 60

    package init(
        command: String, environment: [(String, String)] = [], input: SecureBytes? = nil, outputLimit: Int = 64 * 1_024, timeoutSeconds: Int64 = 60
    ) {
        self.command = command
        self.environment = environment
        self.input = input
        self.outputLimit = outputLimit
        self.timeoutSeconds = timeoutSeconds
    }

    package func run() throws(SystemError) -> Outcome {
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        guard Self.makePipe(&stdoutPipe) else { throw .failed("cannot create a pipe: \(Files.systemError())") }
        defer { for fd in stdoutPipe where fd >= 0 { close(fd) } }
        if input != nil {
            guard Self.makePipe(&stdinPipe) else { throw .failed("cannot create a pipe: \(Files.systemError())") }
        }
        defer { for fd in stdinPipe where fd >= 0 { close(fd) } }

        let pid = try spawn(stdinRead: stdinPipe[0], stdoutWrite: stdoutPipe[1])
        close(stdoutPipe[1])
        stdoutPipe[1] = -1
        if stdinPipe[0] >= 0 {
            close(stdinPipe[0])
            stdinPipe[0] = -1
        }
        let deadline = Self.monotonicMilliseconds() + timeoutSeconds * 1_000
        var termination: Termination?
        let output = SecureBytes(capacity: outputLimit + 1) { buffer in
            let used = exchange(stdin: &stdinPipe[1], stdout: stdoutPipe[0], into: buffer, deadline: deadline)
            if used > outputLimit { termination = .outputTooLarge }
            if used < 0 { termination = .timedOut }
            return max(0, min(used, outputLimit))
        }
        if termination != nil {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return Outcome(termination: termination!, output: output)
        }
        return Outcome(termination: wait(pid, deadline: deadline), output: output)
    }

    private func spawn(stdinRead: Int32, stdoutWrite: Int32) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdinRead >= 0 {
            posix_spawn_file_actions_adddup2(&actions, stdinRead, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdoutWrite, 1)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )

        let arguments = ["/bin/sh", "-c", command]
        var variables: [String] = []
        var overridden = Set(environment.map(\.0))
        overridden.insert("")
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let key = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            if !overridden.contains(key) { variables.append(text) }
            index += 1
        }
        variables += environment.map { "\($0.0)=\($0.1)" }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        guard code == 0 else { throw .failed("cannot start /bin/sh: \(String(cString: strerror(code)))") }
        return pid
    }

    /// Feeds standard input and drains standard output until the child closes its output.
    /// Returns the bytes read, more than the limit if it overflowed, or -1 on time-out.
    private func exchange(
        stdin: inout Int32,
        stdout: Int32,
        into buffer: UnsafeMutableRawBufferPointer,
        deadline: Int64
    ) -> Int {
        var used = 0
        var written = 0
        let inputCount = input?.count ?? 0
        while true {
            let remaining = deadline - Self.monotonicMilliseconds()
            if remaining <= 0 { return -1 }
            var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)]
            if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1_000)))
            if ready < 0 && errno != EINTR { return -1 }
            if stdin >= 0, fds.count > 1, fds[1].revents != 0 {
                let n: Int = input!.withUnsafeBytes { raw in
                    written < inputCount ? Glibc.write(stdin, raw.baseAddress! + written, inputCount - written) : 0
                }
                if n > 0 { written += n }
                if n < 0 && errno != EINTR && errno != EAGAIN || written >= inputCount {
                    close(stdin)
                    stdin = -1
                }
            }
            if fds[0].revents != 0 {
                let n = Glibc.read(stdout, buffer.baseAddress! + used, buffer.count - used)
                if n > 0 {
                    used += n
                    if used >= buffer.count { return used }
                } else if n == 0 || errno != EINTR {
                    if stdin >= 0 {
                        close(stdin)
                        stdin = -1
                    }
                    return used
                }
            }
        }
    }

    private func wait(_ pid: pid_t, deadline: Int64) -> Termination {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { return .exited(127) }
            if Self.monotonicMilliseconds() >= deadline {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return .timedOut
            }
            usleep(1_000)
        }
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    /// A pipe whose ends close on exec (the child gets only the ends dup2'ed onto 0 and 1).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    package static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
