// TokenVault's benchmarks, through the public library API (see scripts/bench.sh).
//
//   tokenvault-bench fetch DIR          fetch with its audit event, durable and NORMAL, 1 and 8 threads
//   tokenvault-bench verify DIR         verify of an issued token
//   tokenvault-bench unlock DIR         key-file and default-scrypt passphrase unlock
//   tokenvault-bench populate VAULT KEY N   append N fetch events (NORMAL sync), for the audit figures
//   tokenvault-bench populate-scale VAULT KEY C E   C credentials, then fetches up to E events in all
//   tokenvault-bench audit-verify VAULT KEY  audit verify, events per second
//   tokenvault-bench scan DIR MB         leak scan throughput over MB of text
//   tokenvault-bench fetch-open VAULT KEY ROUNDS PER_ROUND [THREADS]
//                                        fetches of `erp` (shop:orders:r) on a vault made by the CLI,
//                                        at its durability (FULL), for scripts/bench-serve.sh
//
// Each prints `RESULT|name|median|unit|runs` lines and a table row on stderr.
import Dispatch
import Glibc
import TokenVault

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func report(_ name: String, _ value: Double, _ unit: String, runs: Int) {
    let rounded = (value * 100).rounded() / 100
    print("RESULT|\(name)|\(rounded)|\(unit)|\(runs)")
}

func log(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    log("tokenvault-bench: \(message)")
    exit(2)
}

func freshVault(_ directory: String, durable: Bool) throws -> Vault {
    let key = directory + "/bench.key"
    if access(key, F_OK) != 0 { try KeyFile.generate(at: key) }
    let path = directory + "/bench-\(durable ? "full" : "normal")-\(getpid())-\(Int(now() * 1000)).db"
    var configuration = Vault.Configuration(actor: "bench")
    configuration.durableCommits = durable
    return try Vault.create(at: path, key: .keyFile(key), configuration: configuration)
}

/// Runs `body(index)` on `count` threads of its own and waits for all of them. (`concurrentPerform`
/// would use one thread per core: on this 2-core machine, 2 callers, not 8.)
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Box: @unchecked Sendable {  // handed to exactly one thread, which consumes it
        let body: @Sendable (Int) -> Void
        let index: Int
        init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) {
            self.body = body
            self.index = index
        }
    }
    var threads: [pthread_t] = []
    for index in 0..<count {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body, index)).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body(box.index)
                return nil
            }, box)
        guard created == 0 else { fail("pthread_create failed") }
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
}

/// Median time per call of `body` over `rounds` rounds of `perRound` calls.
func measure(rounds: Int, perRound: Int, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        for _ in 0..<perRound { try body() }
        samples.append((now() - start) / Double(perRound))
    }
    return median(samples)
}

/// A fresh vault holding one stored token, `erp`, and the need (shop:orders:r) that may fetch it.
func vaultWithOneToken(_ directory: String, durable: Bool) throws -> (Vault, Need) {
    let vault = try freshVault(directory, durable: durable)
    var new = NewCredential(name: "erp", scope: try Scope([Grant(parsing: "shop:orders:r")]), expiry: .after(seconds: 90 * 86_400))
    new.issuer = "xentral"
    _ = try vault.add(new, secret: Secret(copying: Array("xpat_0123456789abcdef0123456789abcdef0123456789abcdef0123".utf8)))
    return (vault, Need(project: "shop", resource: "orders", permissions: .read))
}

func benchFetch(_ directory: String) throws {
    for durable in [true, false] {
        let (vault, need) = try vaultWithOneToken(directory, durable: durable)
        let mode = durable ? "FULL" : "NORMAL"
        let single = try measure(rounds: 7, perRound: durable ? 200 : 2_000) { _ = try vault.fetch("erp", need: need) }
        report("fetch_1thread_\(mode)", single * 1e6, "us/op", runs: 7)
        // 8 threads (BENCH_THREADS to change), one shared Vault.
        let threads = getenv("BENCH_THREADS").flatMap { Int(String(cString: $0)) } ?? 8
        var rates: [Double] = []
        for _ in 0..<5 {
            let perThread = (durable ? 2_000 : 8_000) / threads
            let start = now()
            onThreads(threads) { _ in
                for _ in 0..<perThread {
                    do { _ = try vault.fetch("erp", need: need) } catch { fail("a concurrent fetch failed: \(error)") }
                }
            }
            rates.append(Double(threads * perThread) / (now() - start))
        }
        report("fetch_\(threads)threads_\(mode)", median(rates), "ops/s", runs: 5)
    }
}

/// A fixed number of NORMAL fetches on one thread, for `valgrind --tool=callgrind`, whose
/// instruction counts are stable where wall-clock times are not.
func fetchLoop(_ directory: String, count: Int) throws {
    let (vault, need) = try vaultWithOneToken(directory, durable: false)
    for _ in 0..<count { _ = try vault.fetch("erp", need: need) }
}

/// User and system CPU time of this process so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Fetches on an existing vault (made by the CLI, as `tokenvault serve` would serve it), at the
/// default durability (`FULL`): one thread, the median over `rounds` of the mean per round, or
/// with `threads` > 1 the rate of that many threads sharing the `Vault`. One untimed fetch comes
/// first, so `perRound` 0 is the set-up alone (open and one fetch), to subtract under callgrind.
func fetchOpen(_ path: String, key: String, rounds: Int, perRound: Int, threads: Int) throws {
    let vault = try Vault.open(at: path, key: .keyFile(key), configuration: Vault.Configuration(actor: "bench"))
    let need = Need(project: "shop", resource: "orders", permissions: .read)
    _ = try vault.fetch("erp", need: need)  // warm-up: the credential's first HMAC, statements prepared
    guard perRound > 0 else { return }
    if threads <= 1 {
        let cpuBefore = cpuSeconds()
        let single = try measure(rounds: rounds, perRound: perRound) { _ = try vault.fetch("erp", need: need) }
        report("library_fetch_1thread_FULL", single * 1e6, "us/op", runs: rounds)
        report("library_fetch_1thread_FULL_cpu", (cpuSeconds() - cpuBefore) / Double(rounds * perRound) * 1e6, "us/fetch", runs: rounds)
        return
    }
    var rates: [Double] = []
    for _ in 0..<rounds {
        let perThread = max(1, perRound / threads)
        let start = now()
        onThreads(threads) { _ in
            for _ in 0..<perThread {
                do { _ = try vault.fetch("erp", need: need) } catch { fail("a concurrent fetch failed: \(error)") }
            }
        }
        rates.append(Double(threads * perThread) / (now() - start))
    }
    report("library_fetch_\(threads)threads_FULL", median(rates), "ops/s", runs: rounds)
}

func benchVerify(_ directory: String) throws {
    for durable in [true, false] {
        let vault = try freshVault(directory, durable: durable)
        let (_, token) = try vault.issue(NewCredential(name: "svc", scope: try Scope([Grant(parsing: "api:*:r")]), expiry: .after(seconds: 86_400)))
        let need = Need(project: "api", permissions: .read)
        let time = try measure(rounds: 7, perRound: durable ? 200 : 2_000) { _ = try vault.verify(token, need: need) }
        report("verify_1thread_\(durable ? "FULL" : "NORMAL")", time * 1e6, "us/op", runs: 7)
    }
}

func benchUnlock(_ directory: String) throws {
    let vault = try freshVault(directory, durable: true)
    let key = directory + "/bench.key"
    let byKey = try measure(rounds: 7, perRound: 20) { _ = try Vault.open(at: vault.path, key: .keyFile(key)) }
    report("unlock_keyfile", byKey * 1e3, "ms", runs: 7)
    let passphrasePath = directory + "/pass-\(getpid()).db"
    let passphrase = Secret(copying: Array("correct horse battery staple".utf8))
    _ = try Vault.create(at: passphrasePath, key: .passphrase(passphrase))
    let byPassphrase = try measure(rounds: 5, perRound: 1) { _ = try Vault.open(at: passphrasePath, key: .passphrase(passphrase)) }
    report("unlock_passphrase_scrypt_2^17", byPassphrase * 1e3, "ms", runs: 5)
}

func populate(_ path: String, key: String, count: Int) throws {
    var configuration = Vault.Configuration(actor: "bench")
    configuration.durableCommits = false
    let vault: Vault
    if access(path, F_OK) == 0 {
        vault = try Vault.open(at: path, key: .keyFile(key), configuration: configuration)
    } else {
        vault = try Vault.create(at: path, key: .keyFile(key), configuration: configuration)
        _ = try vault.add(
            NewCredential(name: "erp", scope: try Scope([Grant(parsing: "shop:*:r")]), expiry: .never),
            secret: Secret(copying: Array("populate-token".utf8)))
    }
    let start = now()
    for index in 0..<count {
        _ = try vault.fetch("erp", need: Need(project: "shop", permissions: .read))
        if index % 100_000 == 99_999 { log("populate: \(index + 1) events") }
    }
    report("populate_fetch_NORMAL", (now() - start) / Double(count) * 1e6, "us/op", runs: 1)
}

/// A vault of `count` credentials (added by 8 threads, `NORMAL`), expiring over the next
/// 400 days, every hundredth never, for the scale figures of `expiring` and `list`.
func populateCredentials(_ path: String, key: String, count: Int) throws {
    var configuration = Vault.Configuration(actor: "bench")
    configuration.durableCommits = false
    let vault = try Vault.create(at: path, key: .keyFile(key), configuration: configuration)
    let scope = try Scope([Grant(parsing: "shop:orders:r")])
    let start = now()
    let perThread = (count + 7) / 8
    onThreads(8) { worker in
        for index in 0..<perThread {
            let expiry: NewCredential.Expiry = index % 100 == 0 ? .never : .after(seconds: Int64(1 + index % 400) * 86_400)
            do {
                _ = try vault.add(
                    NewCredential(name: "c\(worker)-\(index)", scope: scope, expiry: expiry),
                    secret: Secret(copying: Array("token-\(worker)-\(index)-0123456789abcdef".utf8))
                )
            } catch {
                fail("populate-credentials: \(error)")
            }
            if worker % 8 == 0 && index % 20_000 == 19_999 { log("populate-credentials: about \((index + 1) * 8)") }
        }
    }
    report("populate_credentials_NORMAL_8threads", Double(perThread * 8) / (now() - start), "adds/s", runs: 1)
}

/// The scale vault of issue 6: `credentials` credentials (as `populate-credentials` makes them),
/// then fetches from 8 threads until the trail holds `events` events. One credential in a
/// thousand is "hot" and takes nine fetches in ten, so that `audit --name` can be timed both for
/// a name with a great many events and for one with a single event among millions. One fetch
/// in a hundred is refused (it asks for `d`), for the report's counts of refusals.
func populateScale(_ path: String, key: String, credentials: Int, events: Int) throws {
    try populateCredentials(path, key: key, count: credentials)
    var configuration = Vault.Configuration(actor: "bench")
    configuration.durableCommits = false
    let vault = try Vault.open(at: path, key: .keyFile(key), configuration: configuration)
    let perThread = credentials / 8
    let hotPerThread = max(1, perThread / 1_000)
    let fetches = max(0, events - credentials - 1) / 8
    let need = Need(project: "shop", resource: "orders", permissions: .read)
    let refused = Need(project: "shop", resource: "orders", permissions: .delete)
    let start = now()
    onThreads(8) { worker in
        var state = UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15
        for index in 0..<fetches {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let random = Int(truncatingIfNeeded: state >> 33)
            let thread = random % 8
            let credential = random % 10 < 9 ? (random / 10 % hotPerThread) * 1_000 : random / 10 % perThread
            // One fetch in a hundred asks for more than the grant allows: refused and audited,
            // so that the report has refusals to count.
            if index % 100 == 99 {
                do {
                    _ = try vault.fetch("c\(thread)-\(credential)", need: refused)
                    fail("populate-scale: a fetch beyond the grant was not refused")
                } catch {}
                continue
            }
            do { _ = try vault.fetch("c\(thread)-\(credential)", need: need) } catch { fail("populate-scale: \(error)") }
            if worker == 0 && index % 100_000 == 99_999 { log("populate-scale: about \((index + 1) * 8) fetches") }
        }
    }
    report("populate_scale_fetch_NORMAL_8threads", Double(fetches * 8) / (now() - start), "fetches/s", runs: 1)
}

func auditVerify(_ path: String, key: String) throws {
    let vault = try Vault.open(at: path, key: .keyFile(key))
    var rates: [Double] = []
    var events: Int64 = 0
    for _ in 0..<3 {
        let start = now()
        let result = try vault.verifyAuditTrail()
        guard result.isIntact else { fail("the trail is not intact: \(result.problem!)") }
        events = result.eventsChecked
        rates.append(Double(events) / (now() - start))
    }
    report("audit_verify_\(events)_events", median(rates), "events/s", runs: 3)
}

func benchScan(_ directory: String, megabytes: Int) throws {
    let vault = try freshVault(directory, durable: false)
    _ = try vault.add(
        NewCredential(name: "erp", scope: try Scope([Grant(parsing: "*:*:r")]), expiry: .never),
        secret: Secret(copying: Array("xpat_leaked_0123456789abcdef".utf8)))
    let tree = directory + "/scan-\(getpid())"
    mkdir(tree, 0o700)
    // Source-like text: assignments, JSON, URLs; one leaked token in the last file.
    var line = ""
    for index in 0..<20 { line += "let value\(index) = \"some-config-\(index)\"; url = https://example.com/api?id=\(index)&q=abc\n" }
    let fileBytes = 1 << 20
    for file in 0..<megabytes {
        var text = ""
        while text.utf8.count < fileBytes { text += line }
        if file == megabytes - 1 { text += "TOKEN=xpat_leaked_0123456789abcdef\n" }
        let fd = open("\(tree)/f\(file).txt", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
    var rates: [Double] = []
    for _ in 0..<3 {
        let start = now()
        let summary = try vault.scan([tree])
        guard summary.findings.count == 1 else { fail("scan found \(summary.findings.count) tokens, expected 1") }
        let mebibytes = Double(summary.bytesScanned) / 1_048_576.0
        let seconds: Double = now() - start
        rates.append(mebibytes / seconds)
    }
    report("scan_\(megabytes)MiB", median(rates), "MiB/s", runs: 3)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: tokenvault-bench fetch|verify|unlock|populate|audit-verify|scan ARGS") }
do {
    switch arguments[1] {
    case "fetch": try benchFetch(arguments[2])
    case "fetch-loop" where arguments.count == 4: try fetchLoop(arguments[2], count: Int(arguments[3]) ?? 0)
    case "fetch-open" where arguments.count == 6 || arguments.count == 7:
        try fetchOpen(
            arguments[2], key: arguments[3], rounds: max(1, Int(arguments[4]) ?? 1), perRound: Int(arguments[5]) ?? 0,
            threads: arguments.count == 7 ? Int(arguments[6]) ?? 1 : 1)
    case "verify": try benchVerify(arguments[2])
    case "unlock": try benchUnlock(arguments[2])
    case "populate" where arguments.count == 5: try populate(arguments[2], key: arguments[3], count: Int(arguments[4]) ?? 0)
    case "populate-credentials" where arguments.count == 5: try populateCredentials(arguments[2], key: arguments[3], count: Int(arguments[4]) ?? 0)
    case "populate-scale" where arguments.count == 6:
        try populateScale(arguments[2], key: arguments[3], credentials: Int(arguments[4]) ?? 0, events: Int(arguments[5]) ?? 0)
    case "audit-verify" where arguments.count == 4: try auditVerify(arguments[2], key: arguments[3])
    case "scan" where arguments.count == 4: try benchScan(arguments[2], megabytes: Int(arguments[3]) ?? 50)
    default: fail("unknown benchmark or wrong arguments")
    }
} catch {
    fail("\(error)")
}
