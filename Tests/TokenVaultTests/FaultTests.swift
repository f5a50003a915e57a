import Testing
import TokenVaultFaults

@testable import TokenVault

/// Every write path through a VFS that simulates power cuts (unsynced writes dropped, whole or
/// torn) and I/O errors, each run checked on the vault reopened through the normal VFS: the short
/// version of `scripts/fault-test.sh`, which runs 1,000 cuts per operation.
@Suite("Power cuts and I/O errors under every write path", .serialized, .enabled(if: TestEngine.isSQLite, "SQLite's VFS"))
struct FaultTests {
    @Test func noCutOrIOErrorLosesAnAcknowledgedOperationOrLeavesOneHalfApplied() throws {
        let directory = TemporaryDirectory()
        let campaign = try FaultCampaign(directory: directory.file("faults"), cutsPerOperation: 10, errorPositionsPerMethod: 2)
        let tally = campaign.run()
        print("FIGURE|\(tally.summary)")
        #expect(tally.cuts >= 10 * 16)
        #expect(tally.ioErrors > 16 * 6)
        #expect(tally.isClean, "\(tally.summary)\n\(tally.findings.joined(separator: "\n"))")
    }

    /// The campaign can fail: with commits that are not synced (`synchronous=NORMAL`), a cut just
    /// after an operation returned loses it, and the campaign says so.
    @Test func withoutDurableCommitsACutAfterAnOperationLosesIt() throws {
        let directory = TemporaryDirectory()
        let campaign = try FaultCampaign(
            directory: directory.file("faults"), cutsPerOperation: 4, errorPositionsPerMethod: 1, durableCommits: false
        )
        let tally = campaign.run(only: ["rotate", "get"])
        #expect(tally.lostAcknowledged >= 1)
        #expect(tally.secretWithoutAudit >= 1)
    }

    /// The failed sync of a commit: SQLite may find the commit's frames in the file afterwards,
    /// so the error says the outcome is unknown, and the vault holds the operation wholly or not.
    @Test func aFailedSyncAtCommitSaysTheOutcomeIsUnknown() throws {
        let t = try TestVault()
        FaultVFS.reset()
        defer { FaultVFS.reset() }
        var configuration = TestVault.configuration(clock: t.clock)
        configuration.vfsName = FaultVFS.name
        let vault = try Vault.open(at: t.path, key: .keyFile(t.keyPath), configuration: configuration)
        FaultVFS.planError(.sync, nth: 1, .eio)
        do {
            _ = try vault.add(try newCredential("erp", "*:*:r"), secret: Secret("s"))
            Issue.record("the add succeeded")
        } catch let error as VaultError {
            #expect(error.kind == .failed)
            #expect(error.message.contains("may have been applied"))
        }
        #expect(FaultVFS.errorHappened)
        FaultVFS.reset()
        // The same vault goes on: the next operation works.
        _ = try vault.add(try newCredential("other", "*:*:r"), secret: Secret("t"))
        #expect(try t.reopen().verifyAuditTrail().isIntact)
    }
}
