internal import Foundation
internal import TokenVault
internal import TokenVaultStore

/// What a fault campaign found, as `scripts/fault-test.sh` reports it.
package struct FaultTally: Sendable {
    /// Runs cut by a simulated power loss, and runs given an I/O error.
    package var cuts = 0
    package var ioErrors = 0
    /// An operation that returned success, then was missing after the cut.
    package var lostAcknowledged = 0
    /// A state that is neither the operation applied nor not applied (nor, for a hook rotation,
    /// a state it resumes from); or, after an I/O error, a failed operation that changed something.
    package var halfApplied = 0
    /// A vault whose `PRAGMA integrity_check` failed, or that no longer opens.
    package var corrupt = 0
    /// A secret handed out (a fetch, a verify) whose audit event is not in the trail.
    package var secretWithoutAudit = 0
    /// `audit verify` (chain and state) failed; or an I/O error ended with another error kind
    /// than `failed` (exit 1); or the next operation did not work.
    package var verifyFailures = 0
    /// The first few findings, for the report.
    package var findings: [String] = []

    /// The one line the script ends with.
    package var summary: String {
        "cuts=\(cuts) io_errors=\(ioErrors) lost_acknowledged=\(lostAcknowledged) half_applied=\(halfApplied) corrupt=\(corrupt) "
            + "secret_without_audit=\(secretWithoutAudit) verify_failures=\(verifyFailures)"
    }

    /// Whether every invariant held.
    package var isClean: Bool { lostAcknowledged + halfApplied + corrupt + secretWithoutAudit + verifyFailures == 0 }

    mutating func record(_ finding: String) {
        if findings.count < 20 { findings.append(finding) }
    }
}

/// Runs every write path of the vault through the fault VFS: first once to count its writes,
/// syncs and other calls, then with a power cut at each write or sync position (whole, then torn,
/// round after round until `cutsPerOperation`), then with an I/O error at each call position of
/// each method; after each run the vault is reopened through the normal VFS and checked.
package final class FaultCampaign {
    private let fixture: FaultFixture
    private let cutsPerOperation: Int
    private let errorPositionsPerMethod: Int
    private let progress: (String) -> Void
    private var tally = FaultTally()

    /// - Parameters:
    ///   - cutsPerOperation: power cuts per operation; positions repeat, alternately whole and
    ///     torn with a new seed, once every position had its turn.
    ///   - errorPositionsPerMethod: the most call positions given an error, per method and error.
    package init(directory: String, cutsPerOperation: Int, errorPositionsPerMethod: Int, progress: @escaping (String) -> Void = { _ in }) throws {
        FaultVFS.reset()
        fixture = try FaultFixture(directory: directory)
        self.cutsPerOperation = cutsPerOperation
        self.errorPositionsPerMethod = errorPositionsPerMethod
        self.progress = progress
    }

    /// Runs the operations named `only` (every one when nil) and returns the tally.
    package func run(only: Set<String>? = nil) -> FaultTally {
        for operation in FaultOperation.all where only?.contains(operation.name) ?? true {
            let counts = countCalls(operation)
            let before = tally
            for index in 0..<(counts.events > 0 ? cutsPerOperation : 0) {
                // Every position in turn, whole then torn; fewer cuts than positions spread out.
                let (position, torn) =
                    cutsPerOperation >= counts.events
                    ? (index % counts.events + 1, (index / counts.events) % 2 == 1)
                    : (1 + index * counts.events / cutsPerOperation, index % 2 == 1)
                cut(operation, at: position, torn: torn, seed: UInt32(truncatingIfNeeded: index &* 2_654_435_761))
            }
            for method in FaultVFS.Method.allCases {
                let failures: [FaultVFS.Failure] = method == .write ? [.eio, .enospc, .shortWrite] : [.eio]
                let positions = counts.calls[method] ?? 0
                for failure in failures {
                    for nth in Self.sample(positions, limit: errorPositionsPerMethod) {
                        fail(operation, method, nth: nth, failure)
                    }
                }
            }
            progress(
                "\(operation.name): \(counts.events) write/sync positions, \(tally.cuts - before.cuts) cuts, \(tally.ioErrors - before.ioErrors) I/O errors"
            )
        }
        return tally
    }

    /// Ends the process with `status` (for the driver, which imports nothing else).
    package static func exit(_ status: Int32) -> Never {
        Foundation.exit(status)
    }

    /// `limit` positions spread over 1...count (all when there are no more).
    static func sample(_ count: Int, limit: Int) -> [Int] {
        guard count > limit else { return Array(stride(from: 1, through: count, by: 1)) }
        return (0..<limit).map { 1 + $0 * (count - 1) / max(limit - 1, 1) }
    }

    // MARK: - Runs

    private struct Counts {
        var events = 0
        var calls: [FaultVFS.Method: Int] = [:]
    }

    /// Runs `operation` once without a fault, counting the calls it makes.
    private func countCalls(_ operation: FaultOperation) -> Counts {
        let run = prepareRun()
        FaultVFS.reset()
        do {
            let vault = try open(run, key: fixture.keyFile, throughFaults: true)
            _ = try operation.perform(vault, fixture)
        } catch {
            tally.verifyFailures += 1
            tally.record("\(operation.name) fails without a fault: \(error)")
        }
        var counts = Counts(events: FaultVFS.events)
        for method in FaultVFS.Method.allCases { counts.calls[method] = FaultVFS.calls(method) }
        FaultVFS.reset()
        return counts
    }

    private func cut(_ operation: FaultOperation, at position: Int, torn: Bool, seed: UInt32) {
        tally.cuts += 1
        let run = prepareRun()
        FaultVFS.reset()
        FaultVFS.planCut(at: position, torn: torn, seed: seed)
        let acknowledged = attempt(operation, in: run, thenNext: false).acknowledged
        FaultVFS.reset()
        check(operation, in: run, acknowledged: acknowledged, label: "\(operation.name) cut at \(position)\(torn ? " torn" : "")")
    }

    private func fail(_ operation: FaultOperation, _ method: FaultVFS.Method, nth: Int, _ failure: FaultVFS.Failure) {
        tally.ioErrors += 1
        let run = prepareRun()
        FaultVFS.reset()
        FaultVFS.planError(method, nth: nth, failure)
        let label = "\(operation.name) \(failure) at \(method) \(nth)"
        let result = attempt(operation, in: run, thenNext: true)
        FaultVFS.reset()
        if let error = result.error, error.kind != .failed {
            tally.verifyFailures += 1
            tally.record("\(label): failed with \(error.kind), not an I/O failure: \(error.message)")
        }
        if !result.nextWorked {
            tally.verifyFailures += 1
            tally.record("\(label): the next operation failed")
        }
        check(operation, in: run, acknowledged: result.acknowledged, strict: true, commitOutcomeUnknown: method == .sync, label: label)
    }

    /// Runs the operation through the fault VFS; with `thenNext`, runs a listing and a fetch on
    /// the same vault once the fault is over, as the next command of the same process would.
    private func attempt(
        _ operation: FaultOperation, in run: String, thenNext: Bool
    ) -> (acknowledged: FaultOperation.Acknowledgement?, error: VaultError?, nextWorked: Bool) {
        var acknowledged: FaultOperation.Acknowledgement?
        var failure: VaultError?
        var nextWorked = true
        do {
            let vault = try open(run, key: fixture.keyFile, throughFaults: true)
            do {
                acknowledged = try operation.perform(vault, fixture)
            } catch let error as VaultError {
                failure = error
            }
            if thenNext {
                FaultVFS.reset()
                nextWorked = (try? vault.list()) != nil && (try? vault.show("hooked")) != nil
            }
        } catch let error as VaultError {
            failure = error
        } catch {
            failure = VaultError(.failed, "\(error)")
        }
        return (acknowledged, failure, nextWorked)
    }

    /// Reopens a copy of the run's files through the normal VFS and checks every invariant.
    ///
    /// - Parameters:
    ///   - strict: after an I/O error: a failed operation must have changed nothing...
    ///   - commitOutcomeUnknown: ...unless the error was a failed sync, after which the commit's
    ///     frames may be in the file all the same (a later reader recovers them): the operation
    ///     is then wholly applied or wholly absent, never half.
    private func check(
        _ operation: FaultOperation, in run: String, acknowledged: FaultOperation.Acknowledgement?, strict: Bool = false,
        commitOutcomeUnknown: Bool = false, label: String
    ) {
        let copy = fixture.directory + "/check"
        copyVault(from: run, to: copy)
        guard integrityIsOK(copy + "/vault.db") else {
            tally.corrupt += 1
            tally.record("\(label): integrity_check failed")
            return
        }
        // The process that held a rotation's lease is this one, which lives on; the process a
        // power cut or an I/O error ends would not. Its lease goes, as a dead owner's lease does.
        releaseLeases(copy + "/vault.db")
        let vault: Vault
        var openedWithNewKey = false
        do {
            do {
                vault = try open(copy, key: fixture.keyFile, throughFaults: false)
            } catch let error where error.kind == .locked && operation.rekeys {
                vault = try open(copy, key: fixture.newKeyFile, throughFaults: false)
                openedWithNewKey = true
            }
        } catch {
            tally.corrupt += 1
            tally.record("\(label): the vault does not open: \(error)")
            return
        }
        do {
            let report = try vault.verifyAuditTrail()
            if !report.isIntact {
                tally.verifyFailures += 1
                tally.record("\(label): audit verify: \(report.problem.map { "\($0)" } ?? "")")
            }
            var outcome = try operation.check(vault, fixture, acknowledged)
            if operation.rekeys, outcome == .applied, !openedWithNewKey { outcome = .absent }
            switch outcome {
            case .applied:
                break
            case .absent:
                if acknowledged != nil {
                    if operation.handsOutSecret {
                        tally.secretWithoutAudit += 1
                    } else {
                        tally.lostAcknowledged += 1
                    }
                    tally.record("\(label): acknowledged, then missing")
                }
            case .resumable:
                if !operation.isMultiStep {
                    tally.halfApplied += 1
                    tally.record("\(label): left between steps")
                } else if acknowledged != nil, !resumes(vault) {
                    tally.lostAcknowledged += 1
                    tally.record("\(label): acknowledged, then left between steps that do not resume")
                }
            case .broken(let why):
                tally.halfApplied += 1
                tally.record("\(label): half applied (\(why))")
            }
            if strict, !commitOutcomeUnknown, acknowledged == nil, outcome != .absent, !operation.isMultiStep, operation.name != "rotate-data-key" {
                tally.halfApplied += 1
                tally.record("\(label): failed, yet changed the vault")
            }
            if operation.isMultiStep, outcome != .applied, !resumes(vault) {
                tally.halfApplied += 1
                tally.record("\(label): the next rotation does not finish it")
            }
        } catch {
            tally.verifyFailures += 1
            tally.record("\(label): the check failed: \(error)")
        }
    }

    /// Whether the next rotation of `hooked` ends with the new secret and nothing owed.
    private func resumes(_ vault: Vault) -> Bool {
        guard (try? vault.rotate("hooked", from: .hook(RotationHook(command: fixture.hook)))) != nil,
            let details = try? vault.show("hooked"), let secret = try? vault.fetch("hooked").secret
        else { return false }
        return secret.holds("hooked-new") && details.versions.allSatisfy { $0.waiting == nil }
    }

    // MARK: - Files

    private func prepareRun() -> String {
        let run = fixture.directory + "/run"
        copyVault(from: fixture.directory + "/template", to: run)
        return run
    }

    private func copyVault(from source: String, to destination: String) {
        let files = FileManager.default
        try? files.removeItem(atPath: destination)
        try? files.createDirectory(atPath: destination, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in ["vault.db", "vault.db-wal"] where files.fileExists(atPath: source + "/" + name) {
            try? files.copyItem(atPath: source + "/" + name, toPath: destination + "/" + name)
        }
    }

    private func open(_ directory: String, key: String, throughFaults: Bool) throws(VaultError) -> Vault {
        var configuration = Vault.Configuration(actor: "faults")
        if throughFaults { configuration.vfsName = FaultVFS.name }
        return try Vault.open(at: directory + "/vault.db", key: .keyFile(key), configuration: configuration)
    }

    private func releaseLeases(_ path: String) {
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = 1_000
        _ = try? Connection(path: path, options: options).execute("DELETE FROM rotation_leases")
    }

    private func integrityIsOK(_ path: String) -> Bool {
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = 1_000
        guard let connection = try? Connection(path: path, options: options),
            let rows = try? connection.rows("PRAGMA integrity_check")
        else { return false }
        return rows.first?.string(0) == "ok"
    }
}
