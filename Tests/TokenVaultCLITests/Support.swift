import Foundation

/// The `tokenvault` binary built next to the test bundle.
let toolURL: URL = {
    let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    return directory.appendingPathComponent("tokenvault")
}()

/// What one run of the binary did.
struct Run {
    let status: Int32
    let stdout: [UInt8]
    let stderr: [UInt8]
    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// A throwaway vault directory with a key file, and a way to run the real binary on it.
final class Sandbox: Sendable {
    let path: String
    var vault: String { path + "/vault/vault.db" }
    var keyFile: String { path + "/vault.key" }

    init(initialize: Bool = true) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenvault-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if initialize {
            precondition(run(["keygen", keyFile]).status == 0)
            let created = run(["init"])
            precondition(created.status == 0, created.err)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The environment every run gets: vault, key and actor through variables, nothing else secret.
    var environment: [String: String] {
        [
            "PATH": "/usr/bin:/bin",
            "HOME": path,
            "TOKENVAULT_PATH": vault,
            "TOKENVAULT_KEY_FILE": keyFile,
            "TOKENVAULT_ACTOR": "cli-test",
        ]
    }

    /// Runs `tokenvault ARGS` with `input` on standard input.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) -> Run {
        Sandbox.execute(toolURL.path, arguments, input: input.map { Array($0.utf8) } ?? [], environment: environment.merging(extra) { $1 })
    }

    /// Starts `tokenvault ARGS` without waiting (standard input: /dev/null).
    func start(_ arguments: [String]) -> Child {
        Child([toolURL.path] + arguments, environment: environment)
    }

    static func execute(_ executable: String, _ arguments: [String], input: [UInt8], environment: [String: String]) -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try! process.run()
        // A child that refuses before reading its input closes the pipe: the write then fails
        // with EPIPE (SIGPIPE is ignored in the test process), which is not the test's concern.
        ignoreBrokenPipes
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try? stdin.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child never blocks.
        let outData = LockedData()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData.set(stdout.fileHandleForReading.readDataToEndOfFile()) }
        let errData = stderr.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: [UInt8](outData.value), stderr: [UInt8](errData))
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Every byte the vault keeps on disk: the database, its WAL and shared memory.
    func vaultBytes() -> [UInt8] {
        ["", "-wal", "-shm"].flatMap { suffix in [UInt8](FileManager.default.contents(atPath: vault + suffix) ?? Data()) }
    }
}

/// `tokenvault serve` on a socket in a sandbox, for tests of the CLI as its client: ready when
/// `init` returns, stopped by SIGTERM in ``stop()`` (or, failing that, when released).
///
/// ```swift
/// let service = try ServeProcess(box)
/// defer { #expect(service.stop() == 0) }
/// box.run(["list"], environment: ["TOKENVAULT_ADDR": service.socket])
/// ```
final class ServeProcess: @unchecked Sendable {
    // @unchecked Sendable: `child` is Sendable; the paths are immutable.
    let socket: String
    let child: Child
    let outputFile: String
    let errorFile: String

    /// Starts the service on `box`'s vault and waits (at most 10 s) for its "serving" line,
    /// printed once the socket listens.
    init(_ box: Sandbox) throws {
        socket = box.file("s.sock")
        outputFile = box.file("serve.out")
        errorFile = box.file("serve.err")
        child = Child(
            [toolURL.path, "serve", "--socket", socket, "--workers", "2"], environment: box.environment, outputFile: outputFile,
            errorFile: errorFile
        )
        let deadline = Date().addingTimeInterval(10)
        while !log.contains(bytes: Array("tokenvault: serving".utf8)) {
            if child.exitStatus() != nil || Date() > deadline {
                child.signal(SIGKILL)
                child.wait()
                throw ServiceNotReady(log: String(decoding: log, as: UTF8.self))
            }
            usleep(5_000)
        }
    }

    struct ServiceNotReady: Error { let log: String }

    deinit {
        if child.exitStatus() == nil {
            child.signal(SIGTERM)
            child.wait()
        }
    }

    /// Stops the service with SIGTERM and returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        child.signal(SIGTERM)
        return child.wait()
    }

    /// What the service wrote on standard output and standard error.
    var log: [UInt8] {
        [outputFile, errorFile].flatMap { [UInt8](FileManager.default.contents(atPath: $0) ?? Data()) }
    }
}

final class LockedData: @unchecked Sendable {
    // @unchecked Sendable: `data` is only touched under `lock`.
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    var value: Data { lock.withLock { data } }
}

extension Array where Element == UInt8 {
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

/// The raw, hex and base64 forms of a secret, as a leak might show it.
func leakForms(_ secret: String) -> [[UInt8]] {
    let raw = Array(secret.utf8)
    return [
        raw,
        Array(raw.map { String(format: "%02x", $0) }.joined().utf8),
        Array(Data(raw).base64EncodedString().utf8),
    ]
}

/// A child process started with `posix_spawn` and reaped with `waitpid`: Foundation's `Process`
/// can miss the exit of a child that was killed, and hang in `waitUntilExit`.
final class Child: @unchecked Sendable {
    // @unchecked Sendable: `pid` is immutable; `status` is written once by `wait` under `lock`.
    let pid: pid_t
    /// The read end of the child's standard output, when captured.
    let output: FileHandle?
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `arguments[0]` (a full path) with `environment`; standard input is /dev/null,
    /// standard error is discarded (or written to `errorFile`), standard output is captured
    /// when `captureOutput` (or written to `outputFile`).
    init(
        _ arguments: [String], environment: [String: String], captureOutput: Bool = false, input: String? = nil,
        outputFile: String? = nil, errorFile: String? = nil
    ) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var stdin: [Int32] = [-1, -1]
        if let input {
            // Small inputs fit in the pipe's buffer: write them all before the child starts.
            precondition(pipe(&stdin) == 0)
            _ = input.withCString { write(stdin[1], $0, strlen($0)) }
            close(stdin[1])
            posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        defer { if stdin[0] >= 0 { close(stdin[0]) } }
        posix_spawn_file_actions_addopen(&actions, 2, errorFile ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var fds: [Int32] = [-1, -1]
        if let outputFile {
            posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else if captureOutput {
            precondition(pipe(&fds) == 0)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addclose(&actions, fds[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        // Only 0, 1 and 2: a pipe another test is reading from must not stay open in this child
        // (a close of a descriptor closed meanwhile is ignored).
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        // The test's threads block signals (libdispatch's workers block SIGTERM, say): the child
        // starts with none blocked and default handlers, as from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        precondition(code == 0, "posix_spawn failed: \(code)")
        self.pid = pid
        if captureOutput {
            close(fds[1])
            output = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        } else {
            output = nil
        }
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// The exit status when the child has ended, else nil (without waiting).
    func exitStatus() -> Int32? {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            let value = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            status = value
            return value
        }
    }

    /// Waits for the child and returns its exit status (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            let value = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            status = value
            return value
        }
    }
}

/// Ignores SIGPIPE in the test process, once: writing to a child that has exited must fail with
/// EPIPE, not kill the test runner.
let ignoreBrokenPipes: Void = {
    signal(SIGPIPE, SIG_IGN)
}()
