import Foundation
import Testing
import TokenVaultStore

/// The reliability plan (docs/reliability.md) through the real binary. CI runs the short
/// versions; `scripts/crash-test.sh` runs them long (the sizes come from the environment).
@Suite("Reliability: crashes, corruption, contention, leaks")
struct ReliabilityTests {
    static func size(_ variable: String, _ ciDefault: Int) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap(Int.init) ?? ciDefault
    }

    /// Prints a figure for docs/reliability.md (the script greps `FIGURE|`).
    static func figure(_ text: String) { print("FIGURE|\(text)") }

    /// A1 / H5: the real binary, killed with SIGKILL at random points of add, rotate (stdin and
    /// hook), revoke, delete and audit seal. After each kill: integrity_check ok (of a vault file),
    /// audit verify ok, exactly one current version per credential, every acknowledged operation
    /// present, and an interrupted hook rotation is resumed by the next run.
    @Test func killedAtRandomTheVaultStaysWhole() throws {
        let kills = Self.size("TOKENVAULT_CRASH_KILLS", 40)
        let box = try Sandbox()
        let hook = box.hook(
            "hook.sh",
            """
            case "$TOKENVAULT_STEP" in
              create) cat >/dev/null; echo "hooked-$$" ;;
              test) cat >/dev/null; sleep 0.01 ;;
              *) cat >/dev/null ;;
            esac
            """)
        var rng = SystemRandomNumberGenerator()
        var live: [String: Int] = [:]  // acknowledged credentials -> minimum current version
        var deleted: Set<String> = []
        var revoked: Set<String> = []
        var acknowledged = 0
        var killed = 0
        var inFlightCommitted = 0
        var counter = 0
        // The kills spread over whole runs: one on PostgreSQL takes longer to reach its commit
        // (libpq loaded, a connection, the catalog checked: 60-100 ms here) than one on a file.
        let window = box.isFile ? 0.05 : 0.15
        for _ in 0..<kills * 5 {
            guard killed < kills else { break }
            counter += 1
            let names = live.keys.sorted()
            let choice = names.isEmpty ? 0 : Int.random(in: 0..<6, using: &rng)
            let name = choice == 0 || names.isEmpty ? "c\(counter)" : names.randomElement(using: &rng)!
            let arguments: [String]
            var input: String?
            switch choice {
            case 0: (arguments, input) = (["add", name, "--grant", "*:*:r", "--expires-in", "90d"], "secret-\(counter)")
            case 1: (arguments, input) = (["rotate", name, "--grace", "1h"], "rotated-\(counter)")
            case 2: arguments = ["rotate", name, "--hook", hook]
            case 3: arguments = ["revoke", name]
            case 4: arguments = ["delete", name, "--yes"]
            default: arguments = ["audit", "seal"]
            }
            let child = Child([toolURL.path] + arguments, environment: box.environment, input: input)
            Thread.sleep(forTimeInterval: Double.random(in: 0...window, using: &rng))
            child.signal(SIGKILL)
            let status = child.wait()
            let wasKilled = status == 128 + SIGKILL
            if wasKilled { killed += 1 }
            let succeeded = status == 0
            // What is in the vault now?
            let rows = try box.sql(
                "SELECT name, (SELECT max(version) FROM secret_versions v WHERE v.credential_id = c.id AND v.state = 'current'), revoked_at IS NOT NULL FROM credentials c WHERE deleted_at IS NULL"
            )
            let present = Dictionary(uniqueKeysWithValues: rows.map { ($0.string(0)!, (version: Int($0.int64(1) ?? 0), revoked: $0.int64(2) == 1)) })
            if succeeded {
                acknowledged += 1
                switch choice {
                case 0: live[name] = 1
                case 1, 2: live[name] = max(live[name] ?? 1, (present[name]?.version ?? 0))
                case 3: revoked.insert(name)
                case 4:
                    live[name] = nil
                    deleted.insert(name)
                default: break
                }
            } else if wasKilled {
                // The killed operation either happened entirely or not at all.
                switch choice {
                case 0 where present[name] != nil:
                    inFlightCommitted += 1
                    live[name] = 1
                case 4 where present[name] == nil:
                    inFlightCommitted += 1
                    live[name] = nil
                    deleted.insert(name)
                case 3 where present[name]?.revoked == true:
                    inFlightCommitted += 1
                    revoked.insert(name)
                default: break
                }
            }
            // The checks of RELIABILITY A1. The file's own integrity on SQLite; on PostgreSQL a
            // killed client cannot damage the server's pages, and what it could leave half done
            // (rows, events) the checks below look at.
            if box.isFile { #expect(try box.sql("PRAGMA integrity_check")[0].string(0) == "ok") }
            let verified = box.run(["audit", "verify"])
            #expect(verified.status == 0, "audit verify after \(arguments): \(verified.err)")
            let currents = try box.sql(
                "SELECT c.name, count(v.version) FROM credentials c LEFT JOIN secret_versions v ON v.credential_id = c.id AND v.state = 'current' WHERE c.deleted_at IS NULL GROUP BY c.id"
            )
            for row in currents { #expect(row.int64(1) == 1, "\(row.string(0)!) has \(row.int64(1)!) current versions") }
            for (name, version) in live { #expect((present[name]?.version ?? 0) >= version, "acknowledged \(name) v\(version) missing") }
            for name in deleted where live[name] == nil { #expect(present[name] == nil, "deleted \(name) came back") }
            // A hook rotation killed mid-way left a pending version: the next run resumes or discards it.
            if choice == 2, wasKilled, present[name] != nil, revoked.contains(name) == false {
                let resumed = box.run(["rotate", name, "--hook", hook])
                #expect(resumed.status == 0, "resuming \(name): \(resumed.err)")
                if resumed.status == 0 {
                    live[name] =
                        (try? box.sql(
                            "SELECT max(version) FROM secret_versions v JOIN credentials c ON c.id = v.credential_id WHERE c.name = '\(name)' AND v.state = 'current'"
                        )[0].int64(0)).flatMap { $0 }.map(Int.init) ?? live[name]
                }
            }
            #expect(try box.sql("SELECT count(*) FROM secret_versions WHERE state = 'pending'")[0].int64(0)! <= 1)
        }
        let checked = box.isFile ? "integrity-failures=0 " : ""
        Self.figure(
            "crash\(box.isFile ? "" : " (PostgreSQL)"): kills=\(killed) acknowledged=\(acknowledged) in-flight-committed=\(inFlightCommitted) \(checked)audit-verify-failures=0"
        )
        #expect(killed >= min(kills, 10))
    }

    /// A3: a vault with random byte flips or truncations is refused (exit 6 or another documented
    /// code); it never returns a wrong secret and never crashes.
    @Test(.enabled(if: TestEngine.isSQLite, "flips bytes of the vault file"))
    func aCorruptedVaultNeverYieldsAWrongSecretOrACrash() throws {
        let mutants = Self.size("TOKENVAULT_CORRUPTION_MUTANTS", 120)
        let box = try Sandbox()
        let secrets = (0..<4).map { "corruption-secret-\($0)-\(UUID().uuidString)" }
        for (index, secret) in secrets.enumerated() { box.run(["add", "c\(index)", "--legacy"], input: secret) }
        _ = try Connection(path: box.vault, options: Connection.Options()).checkpointAndTruncateWAL()
        let pristine = try Data(contentsOf: URL(fileURLWithPath: box.vault))
        var outcomes: [Int32: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        let mutant = box.file("mutant.db")
        for index in 0..<mutants {
            var bytes = [UInt8](pristine)
            if index % 5 == 4 {
                bytes.removeLast(Int.random(in: 1..<bytes.count, using: &rng))
            } else {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: mutant + suffix) }
            #expect(FileManager.default.createFile(atPath: mutant, contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
            let which = index % secrets.count
            let run = box.run(["get", "c\(which)"], environment: ["TOKENVAULT_PATH": mutant])
            outcomes[run.status, default: 0] += 1
            #expect(run.status < 128, "crashed with signal \(run.status - 128)")
            #expect([0, 3, 4, 5, 6].contains(run.status), "unexpected exit \(run.status): \(run.err)")
            if run.status == 0 { #expect(run.out == secrets[which], "a corrupted vault returned a wrong secret") }
        }
        Self.figure(
            "corruption: mutants=\(mutants) outcomes=\(outcomes.sorted { $0.key < $1.key }.map { "exit\($0.key):\($0.value)" }.joined(separator: ",")) wrong-secrets=0 crashes=0"
        )
    }

    /// B1: several processes rotating one credential while others fetch it: no lost update,
    /// every rotation audited once, readers never fail.
    @Test func concurrentRotationsLoseNoUpdate() throws {
        let writers = 4
        let rotations = Self.size("TOKENVAULT_CONTENTION_ROTATIONS", 12)
        let box = try Sandbox()
        box.run(["add", "hot", "--grant", "*:*:r", "--expires-in", "90d"], input: "v1")
        let script = { (command: String) in
            "for i in $(seq \(rotations)); do \(command) || echo FAIL; done"
        }
        let tool = "'\(toolURL.path)'"
        var children: [Child] = []
        for writer in 0..<writers {
            children.append(
                Child(
                    ["/bin/sh", "-c", script("printf %s w\(writer)-$i | \(tool) rotate hot --grace 1h >/dev/null")], environment: box.environment,
                    captureOutput: true))
        }
        for _ in 0..<2 {
            children.append(Child(["/bin/sh", "-c", script("\(tool) get hot >/dev/null")], environment: box.environment, captureOutput: true))
        }
        var failures = 0
        for child in children {
            let output = String(decoding: (try child.output?.readToEnd()) ?? Data(), as: UTF8.self)
            failures += output.components(separatedBy: "FAIL").count - 1
            #expect(child.wait() == 0)
        }
        #expect(failures == 0)
        let current = try box.sql("SELECT max(version) FROM secret_versions WHERE state = 'current'")[0].int64(0)
        #expect(current == Int64(1 + writers * rotations))
        let audited = try box.sql("SELECT count(*) FROM audit_events WHERE action = 'rotate' AND outcome = 'ok'")[0].int64(0)
        #expect(audited == Int64(writers * rotations))
        Self.figure(
            "contention: writers=\(writers) rotations=\(writers * rotations) final-version=\(current ?? 0) lost-updates=0 reader-failures=\(failures)"
        )
    }

    /// A2 at the level of system calls: `get` makes its commit durable before it prints the
    /// secret. `synchronous = FULL` promises the sync inside `COMMIT`; this checks that it is
    /// really made, and made before the secret is written (a connection left at `NORMAL` fails).
    /// On PostgreSQL the server syncs: the connection asks for `synchronous_commit = on`, and the
    /// server's answer to the COMMIT of the audit event comes before the secret is written.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace")))
    func getSyncsItsAuditEventBeforePrintingTheSecret() throws {
        let box = try Sandbox()
        let secret = "xpat_durable_0123456789"
        #expect(box.run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "30d"], input: secret).status == 0)
        let trace = box.file("get.strace")
        // LeakSanitizer cannot run under ptrace: in a sanitizer build it would fail the traced run.
        let environment = box.environment.merging(["ASAN_OPTIONS": "detect_leaks=0"]) { $1 }
        guard box.isFile else {
            /// The lines of `get erp --permission PERMISSION` traced at its socket and standard
            /// output, and the indexes of its `SET synchronous_commit = on`, of the server's
            /// answer to the COMMIT that follows its audit insert, and of its first write to
            /// standard output.
            func traced(_ permission: String) throws -> (run: Run, sync: Int?, committed: Int?, printed: Int?) {
                let run = Sandbox.execute(
                    "/usr/bin/strace",
                    ["-f", "-s", "128", "-e", "trace=sendto,recvfrom,write", "-o", trace, toolURL.path, "get", "erp", "--permission", permission],
                    input: [], environment: environment)
                let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
                let sync = lines.firstIndex { $0.contains("sendto(") && $0.contains("SET synchronous_commit = on") }
                let insert = lines.firstIndex { $0.contains("sendto(") && $0.contains("INSERT INTO audit_events") }
                let committed = insert.flatMap { start in lines[start...].firstIndex { $0.contains("recvfrom(") && $0.contains("COMMIT") } }
                return (run, sync, committed, lines.firstIndex { $0.contains("write(1,") })
            }
            let fetched = try traced("r")
            #expect(fetched.run.status == 0 && fetched.run.out == secret)
            #expect(fetched.sync != nil && fetched.committed != nil && fetched.printed != nil)
            if let sync = fetched.sync, let committed = fetched.committed, let printed = fetched.printed {
                #expect(sync < committed && committed < printed)
            }
            // The refusal path commits its event the same way, and prints no secret.
            let refused = try traced("d")
            #expect(refused.run.status == 4 && refused.run.out.isEmpty)
            #expect(refused.sync != nil && refused.committed != nil && refused.printed == nil)
            return
        }
        let traced = Sandbox.execute(
            "/usr/bin/strace", ["-f", "-e", "trace=fdatasync,fsync,write", "-o", trace, toolURL.path, "get", "erp", "--permission", "r"],
            input: [], environment: environment
        )
        #expect(traced.status == 0)
        #expect(traced.out == secret)
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let firstSync = lines.firstIndex { $0.contains("fdatasync(") || $0.contains("fsync(") }
        let secretWrite = lines.firstIndex { $0.contains("write(1,") }
        #expect(firstSync != nil && secretWrite != nil)
        if let firstSync, let secretWrite { #expect(firstSync < secretWrite) }
        // The refusal path writes its event durably too, and prints no secret.
        let refused = Sandbox.execute(
            "/usr/bin/strace", ["-f", "-e", "trace=fdatasync,fsync", "-o", trace, toolURL.path, "get", "erp", "--permission", "d"],
            input: [], environment: environment
        )
        #expect(refused.status == 4 && refused.out.isEmpty)
        #expect(try String(contentsOfFile: trace, encoding: .utf8).contains("fdatasync("))
    }

    /// F1: no secret in any process's argv, ours or a hook's, while every command runs.
    @Test func noSecretEverAppearsInAnyArgv() throws {
        let box = try Sandbox()
        let canary = "ARGV-CANARY-\(UUID().uuidString)"
        let watcher = ArgvWatcher(canary: canary)
        watcher.start()
        box.run(["add", "erp", "--legacy", "--api-url", "http://127.0.0.1:9/api"], input: canary)
        box.run(["get", "erp"])
        box.run(["exec", "--env", "T=erp", "--", "/bin/sh", "-c", "test -n \"$T\""])
        box.run(["test", "erp", "--hook", "cat >/dev/null; sleep 0.05"])
        let hook = box.hook("h.sh", "cat >/dev/null; [ \"$TOKENVAULT_STEP\" = create ] && echo \(canary)-next; sleep 0.05; exit 0")
        box.run(["rotate", "erp", "--hook", hook])
        box.run(["rotate", "erp"], input: canary + "-third")
        #expect(FileManager.default.createFile(atPath: box.file("leak.txt"), contents: Data(canary.utf8)))
        box.run(["scan", box.file("leak.txt")])
        let hits = watcher.stop()
        #expect(hits == 0)
        Self.figure("argv: commands=7 hooks=2 samples=\(watcher.samples) canary-hits=\(hits)")
    }

    /// F5: vault, WAL, shared memory, directory, key and seal files are private whatever the umask.
    @Test(.enabled(if: TestEngine.isSQLite, "the modes of the vault file, its WAL and folders"), arguments: [0o000, 0o022, 0o077])
    func filesArePrivateUnderEveryUmask(_ mask: Int) throws {
        let box = try Sandbox(initialize: false)
        let tool = "'\(toolURL.path)'"
        let umask = "umask \(String(mask, radix: 8));"
        var environment = box.environment
        environment["TOKENVAULT_PATH"] = box.file("d/e/v.db")
        environment["TOKENVAULT_KEY_FILE"] = box.file("k.key")
        let created = Sandbox.execute(
            "/bin/sh", ["-c", "\(umask) \(tool) keygen '\(box.file("k.key"))' && \(tool) init"], input: [], environment: environment)
        #expect(created.status == 0, "\(created.err)")
        // Hold the vault open, so that its -wal and -shm files outlive each command.
        let holder = try Connection(path: box.file("d/e/v.db"), options: Connection.Options())
        let script = """
            \(umask) printf x | \(tool) add a --legacy && \
            \(tool) audit seal --out '\(box.file("seal.txt"))' --public-key-out '\(box.file("pub.txt"))'
            """
        let run = Sandbox.execute("/bin/sh", ["-c", script], input: [], environment: environment)
        #expect(run.status == 0, "\(run.err)")
        _ = holder
        func mode(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1 }
        for file in ["k.key", "d/e/v.db", "d/e/v.db-wal", "d/e/v.db-shm", "seal.txt", "pub.txt"] {
            #expect(mode(box.file(file)) == 0o600, "\(file) under umask \(String(mask, radix: 8))")
        }
        for directory in ["d", "d/e"] { #expect(mode(box.file(directory)) == 0o700, "\(directory)") }
    }

    /// F6: symbolic links at the vault path, a parent directory, the key file: refused, and
    /// nothing is written through them.
    @Test(.enabled(if: TestEngine.isSQLite, "links to the vault file and its folder"))
    func symbolicLinksAreRefusedAndNothingIsWrittenThroughThem() throws {
        let box = try Sandbox()
        let target = box.file("attacker")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box.file("dirlink"), withDestinationPath: target)
        try FileManager.default.createSymbolicLink(atPath: box.file("filelink.db"), withDestinationPath: box.vault)
        try FileManager.default.createSymbolicLink(atPath: box.file("keylink"), withDestinationPath: box.keyFile)
        let cases: [([String], [String: String])] = [
            (["init"], ["TOKENVAULT_PATH": box.file("dirlink/v.db")]),
            (["list"], ["TOKENVAULT_PATH": box.file("dirlink/v.db")]),
            (["list"], ["TOKENVAULT_PATH": box.file("filelink.db")]),
            (["init"], ["TOKENVAULT_PATH": box.file("filelink.db")]),
            (["keygen", box.file("dirlink/k.key")], [:]),
            (["keygen", box.file("keylink")], [:]),
            (["list"], ["TOKENVAULT_KEY_FILE": box.file("keylink")]),
        ]
        for (arguments, environment) in cases {
            let run = box.run(arguments, environment: environment)
            #expect(run.status != 0, "\(arguments) \(environment) succeeded")
            #expect([2, 5].contains(run.status), "\(arguments): exit \(run.status) \(run.err)")
            #expect(run.err.contains("symbolic link") || run.err.contains("already exists"), "\(arguments): \(run.err)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        Self.figure("symlinks: placements=\(cases.count) writes-through-link=0")
    }
}

/// Polls every process's command line for a canary string (RELIABILITY F1).
final class ArgvWatcher: @unchecked Sendable {
    // @unchecked Sendable: the counters are only touched under `lock`; `canary` is immutable.
    private let canary: [UInt8]
    private let lock = NSLock()
    private var running = true
    private var hits = 0
    private(set) var samples = 0
    private var thread: Thread?

    init(canary: String) { self.canary = Array(canary.utf8) }

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
                var found = 0
                for pid in pids {
                    if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), [UInt8](data).contains(bytes: canary) { found += 1 }
                }
                lock.withLock {
                    hits += found
                    samples += 1
                }
                usleep(1_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops polling and returns how many command lines held the canary.
    func stop() -> Int {
        lock.withLock { running = false }
        usleep(20_000)
        thread = nil  // the thread's closure holds `self`: break the cycle
        return lock.withLock { hits }
    }
}
