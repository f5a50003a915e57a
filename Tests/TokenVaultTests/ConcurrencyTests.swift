import Foundation
import Testing

@testable import TokenVault

@Suite("Concurrency")
struct ConcurrencyTests {
    /// One `Vault` shared by 8 threads (real ones: `concurrentPerform` would run one per core),
    /// so that operations are grouped into shared commits: every call succeeds or is refused as
    /// it would be alone, and each is audited exactly once, in a chain that verifies.
    @Test func oneVaultIsSafeFromManyThreads() throws {
        let t = try TestVault()
        let vault = t.vault
        _ = try vault.add(newCredential("shared", "*:*:r"), secret: Secret("s"))
        let failures = Counter()
        let refusals = Counter()
        let done = DispatchGroup()
        for worker in 0..<8 {
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    for index in 0..<25 {
                        _ = try vault.add(newCredential("w\(worker)-\(index)", "*:*:r"), secret: Secret("v\(worker)-\(index)"))
                        guard try vault.fetch("shared").secret.text == "s" else {
                            failures.increment()
                            return
                        }
                        guard try vault.fetch("w\(worker)-\(index)").secret.text == "v\(worker)-\(index)" else {
                            failures.increment()
                            return
                        }
                        // A refusal, audited and committed among the others.
                        do { _ = try vault.fetch("missing-\(worker)") } catch let error as VaultError where error.kind == .notFound {
                            refusals.increment()
                        }
                    }
                } catch {
                    failures.increment()
                }
            }.start()
        }
        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(failures.value == 0)
        #expect(refusals.value == 8 * 25)
        #expect(try vault.list().count == 201)
        #expect(try t.sql("SELECT count(*) FROM audit_events")[0].int64(0) == 2 + 1 + 8 * 25 * 4)
        #expect(try t.sql("SELECT count(*) FROM audit_events WHERE outcome = 'denied'")[0].int64(0) == 8 * 25)
        #expect(try vault.verifyAuditTrail().isIntact)
    }

    /// Several handles on one file (as several processes have): no lost update, no duplicate
    /// name, a gap-free audit chain.
    @Test func severalHandlesOnOneFileLoseNothing() throws {
        let t = try TestVault()
        let handles = try (0..<4).map { _ in try t.reopen() }
        let duplicates = Counter()
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for index in 0..<30 {
                do {
                    _ = try handles[worker].add(newCredential("c\(index)", "*:*:r"), secret: Secret("x"))
                } catch let error as VaultError where error.kind == .invalidInput {
                    duplicates.increment()  // another handle added this name first
                } catch {
                    failures.increment()
                }
            }
        }
        #expect(failures.value == 0)
        #expect(duplicates.value == 3 * 30)
        #expect(try t.vault.list().count == 30)
        let seqs = try t.sql("SELECT seq FROM audit_events ORDER BY seq").map { $0.int64(0)! }
        #expect(seqs == Array(1...32))  // init, the issuer policy, 30 adds
    }
}

final class Counter: @unchecked Sendable {
    // @unchecked Sendable: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
