import Foundation
import Testing
import TokenVaultStore

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

/// The engine the CLI's tests keep their vaults on: SQLite, or PostgreSQL when the test
/// command's second pass sets `TOKENVAULT_TEST_ENGINE=postgresql` (a schema of the test cluster
/// per sandbox).
enum TestEngine {
    static let current: StoreEngine =
        ProcessInfo.processInfo.environment["TOKENVAULT_TEST_ENGINE"] == "postgresql" ? .postgresql : .sqlite
    /// For tests of what only a vault file has (its bytes, modes, WAL, `backup`, a copy of the
    /// file, schema-5 fixtures, file-path messages).
    static var isSQLite: Bool { current == .sqlite }
    /// The first pass, on the default engine (SQLite): for the suites that make their own
    /// PostgreSQL vaults (or their own files), which need not run twice.
    static var isFirstPass: Bool { current == .sqlite }
}

/// A throwaway vault directory with a key file, and a way to run the real binary on it.
final class Sandbox: Sendable {
    let path: String
    /// The vault's location: a file in the sandbox, or a `postgresql://` URI (the one given, or
    /// a fresh schema's when the tests run on PostgreSQL).
    var vault: String { location ?? path + "/vault/vault.db" }
    var keyFile: String { path + "/vault.key" }
    private let location: String?

    /// A sandbox whose vault is the one at `location` (a PostgreSQL URI) when given, else one
    /// on `engine`: a file in the sandbox, or a fresh schema of the test cluster.
    init(initialize: Bool = true, vault location: String? = nil, engine: StoreEngine = TestEngine.current) throws {
        self.location = try location ?? (engine == .postgresql ? TestPostgres.freshSchema().uri : nil)
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

    /// Runs `executable` to the end; with `timeout`, it is killed (SIGKILL) after that many
    /// seconds. (Not SIGTERM: a child spawned from a libdispatch thread inherits its signal mask,
    /// which blocks SIGTERM.)
    static func execute(
        _ executable: String, _ arguments: [String], input: [UInt8], environment: [String: String], timeout: Double? = nil,
        directory: String? = nil
    ) -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try! process.run()
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        }
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

    /// Whether the vault is a file (not a PostgreSQL schema).
    var isFile: Bool { location == nil }

    /// Every byte the vault keeps on disk: the database, its WAL and shared memory.
    func vaultBytes() -> [UInt8] {
        precondition(isFile, "vaultBytes is for vault files; storageContains is for either engine")
        return ["", "-wal", "-shm"].flatMap { suffix in [UInt8](FileManager.default.contents(atPath: vault + suffix) ?? Data()) }
    }

    /// Whether the vault's storage holds `needle`: on SQLite anywhere in the file, its WAL or
    /// shared memory (deleted pages included: the vault deletes securely); on PostgreSQL in any
    /// live row of its schema (dead row versions stay in the server's files until vacuumed,
    /// which the security model says).
    func storageContains(_ needle: [UInt8]) throws -> Bool {
        guard !isFile else { return vaultBytes().contains(bytes: needle) }
        let tables = try sql(
            "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND relkind = 'r'"
        )
        for table in tables {
            for row in try sql("SELECT * FROM \(table.string(0) ?? "")") {
                for column in 0..<row.count {
                    switch row[column] {
                    case .blob(let blob) where blob.contains(bytes: needle): return true
                    case .text(let text) where Array(text.utf8).contains(bytes: needle): return true
                    default: continue
                    }
                }
            }
        }
        return false
    }

    /// A connection to the vault's database, bypassing the vault (to tamper, or to inspect):
    /// the file, or the schema.
    func connection(busyTimeoutMilliseconds: Int32 = 5_000) throws -> Connection {
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        guard !isFile else { return try Connection(path: vault, options: options) }
        return try Connection(location: PostgresLocation(parsing: vault), options: options)
    }

    /// Raw SQL on the vault's database (`?` markers on both engines).
    func sql(_ statement: String, _ arguments: [any SQLBindable] = []) throws -> [Row] {
        try connection().rows(statement, arguments)
    }

    /// Where no vault is, on the sandbox's engine: a missing file, or an empty schema.
    func absentVault() throws -> String {
        isFile ? file("absent-\(UUID().uuidString).db") : try TestPostgres.freshSchema().uri
    }

    /// The start of the message for a vault that is not there (``absentVault()``).
    var absentVaultMessage: String { isFile ? "no vault at" : "no vault in schema" }
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
    /// standard error is discarded (or appended to `errorFile`), standard output is captured
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
        posix_spawn_file_actions_addopen(&actions, 2, errorFile ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
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

    /// Waits at most `seconds` for the child: its exit status, or nil while it still runs.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let done: Int32? = lock.withLock {
                if let status { return status }
                var raw: Int32 = 0
                guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
                let value = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
                status = value
                return value
            }
            if let done { return done }
            if Date() >= deadline { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

/// Ignores SIGPIPE in the test process, once: writing to a child that has exited must fail with
/// EPIPE, not kill the test runner.
let ignoreBrokenPipes: Void = {
    signal(SIGPIPE, SIG_IGN)
}()

// MARK: - tokenvault serve

/// A `tokenvault serve` started in a sandbox by ``Sandbox/serving(_:global:_:)``, on a socket in
/// it; its standard error is appended to ``Sandbox/serverLog``.
final class ServeProcess: Sendable {
    let box: Sandbox
    /// The socket's path.
    let socket: String
    let child: Child
    var pid: pid_t { child.pid }

    private init(box: Sandbox, socket: String, child: Child) {
        self.box = box
        self.socket = socket
        self.child = child
    }

    /// Starts `tokenvault GLOBAL serve --socket PATH ARGUMENTS` and waits until `/v1/health`
    /// answers 200, at most 15 s (polling every 20 ms); a server that exits or does not answer
    /// in time is stopped and an error thrown.
    static func start(_ box: Sandbox, arguments: [String], global: [String], socket: String) throws -> ServeProcess {
        let path = box.file(socket)
        let child = Child(
            [toolURL.path] + global + ["serve", "--socket", path] + arguments, environment: box.environment, errorFile: box.serverLog)
        let server = ServeProcess(box: box, socket: path, child: child)
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let status = child.wait(seconds: 0) {
                throw ServeFailure("tokenvault serve exited with \(status) on start: \(box.serverLogText)")
            }
            if unixSocketGet(path, "/v1/health") == 200 { return server }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let status = server.stop()
        throw ServeFailure("tokenvault serve did not answer within 15 s (stopped: \(status)): \(box.serverLogText)")
    }

    /// Stops the server with SIGTERM and returns its exit status; SIGKILL when it has not exited
    /// within `seconds`. Returns the status at once when it has already ended (a second call).
    @discardableResult
    func stop(seconds: Double = 15) -> Int32 {
        if let status = child.wait(seconds: 0) { return status }
        child.signal(SIGTERM)
        if let status = child.wait(seconds: seconds) { return status }
        child.signal(SIGKILL)
        return child.wait()
    }

    /// The server's resident memory (VmRSS in /proc/PID/status), in KiB.
    func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Sandbox {
    /// Where every `tokenvault serve` started in the sandbox appends its standard error.
    var serverLog: String { file("serve.log") }
    var serverLogText: String { (try? String(contentsOfFile: serverLog, encoding: .utf8)) ?? "" }

    /// Runs `body` with a `tokenvault GLOBAL serve --socket SANDBOX/serve.sock ARGUMENTS` that
    /// answers, then stops it with SIGTERM and expects exit 0, also when `body` throws.
    func serving<T>(
        _ arguments: [String] = [], global: [String] = [], socket: String = "serve.sock",
        sourceLocation: SourceLocation = #_sourceLocation, _ body: (ServeProcess) throws -> T
    ) throws -> T {
        let server = try ServeProcess.start(self, arguments: arguments, global: global, socket: socket)
        defer {
            let status = server.stop()
            #expect(status == 0, "tokenvault serve ended with \(status): \(serverLogText)", sourceLocation: sourceLocation)
        }
        return try body(server)
    }

    /// Runs `python3 Scripts/SCRIPT ARGUMENTS` with the sandbox's environment and `input` on
    /// standard input; it is killed after `timeout` seconds.
    func python(_ script: String, _ arguments: [String], input: String = "", timeout: Double = 180) -> Run {
        Sandbox.execute(
            "/usr/bin/env", ["python3", scriptsDirectory + "/" + script] + arguments, input: Array(input.utf8), environment: environment,
            timeout: timeout)
    }

    /// Starts `python3 Scripts/SCRIPT ARGUMENTS` without waiting, its standard output captured.
    func startPython(_ script: String, _ arguments: [String]) -> Child {
        Child(["/usr/bin/env", "python3", scriptsDirectory + "/" + script] + arguments, environment: environment, captureOutput: true)
    }
}

/// The Python clients of `tokenvault serve` (Tests/TokenVaultCLITests/Scripts).
let scriptsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path

/// One `GET target` on a new connection to the Unix socket at `path`, read to the end of the
/// stream (`Connection: close`), each system call bounded by 2 s: the status code, or nil when
/// nothing answers. For waiting on a server; the tests' requests go through curl and Python.
func unixSocketGet(_ path: String, _ target: String) -> Int? {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var limit = timeval(tv_sec: 2, tv_usec: 0)
    for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
        _ = setsockopt(descriptor, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
    }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(target) HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n".utf8)
    let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == request.count else { return nil }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while response.count < 65_536 {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { break }
        response += buffer[..<count]
    }
    let head = String(decoding: response.prefix(12), as: UTF8.self)
    guard head.hasPrefix("HTTP/1.1 ") else { return nil }
    return Int(head.dropFirst(9))
}

/// The throwaway PostgreSQL cluster the test command starts (`scripts/pg-test-cluster.sh`)
/// and names in `TOKENVAULT_TEST_POSTGRESQL`; nil where none runs.
enum TestPostgres {
    static let url: String? = ProcessInfo.processInfo.environment["TOKENVAULT_TEST_POSTGRESQL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }

    /// A connection to the test database.
    static func connect() throws -> PostgresConnection {
        try PostgresConnection(location: PostgresLocation(parsing: try #require(url)))
    }

    /// A new, empty schema of the test database, and the URI whose connections keep their
    /// tables in it.
    static func freshSchema() throws -> (name: String, uri: String) {
        let name = "tv_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try connect().execute("CREATE SCHEMA \(name)")
        return (name, try #require(url) + "&options=-csearch_path%3D\(name)")
    }
}
