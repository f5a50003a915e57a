import Foundation
import Testing
import TokenVaultSystem

@testable import TokenVault

/// Writes a hook script into `directory` and returns the command that runs it.
func hookScript(_ directory: TemporaryDirectory, _ body: String, name: String = "hook.sh") -> String {
    let path = directory.file(name)
    let written = FileManager.default.createFile(
        atPath: path, contents: Data(("#!/bin/sh\n" + body).utf8), attributes: [.posixPermissions: 0o700]
    )
    precondition(written, "cannot write the hook script")
    // Run through sh rather than exec'ing the file: tests run in parallel, and a process
    // spawned meanwhile by another test may still hold a descriptor of the just-written file
    // (exec would then fail with ETXTBSY, exit 126).
    return "/bin/sh '\(path)'"
}

/// A hook whose create step prints `new`, whose test step accepts it, and which logs every
/// step's environment and argv (to prove no secret ever reaches them).
func recordingHook(_ directory: TemporaryDirectory, new: String, testExit: Int = 0) -> String {
    let log = directory.file("hook.log")
    return hookScript(
        directory,
        """
        { echo "step=$TOKENVAULT_STEP name=$TOKENVAULT_NAME version=$TOKENVAULT_VERSION id=$TOKENVAULT_CREDENTIAL_ID"; env; cat /proc/$$/cmdline; echo; } >> '\(log)'
        case "$TOKENVAULT_STEP" in
          create) old=$(cat); echo "stdin-sha=$(printf %s "$old" | sha256sum | cut -c1-16)" >> '\(log)'; printf '%s\\n' '\(new)' ;;
          test) new=$(cat); echo "test-sha=$(printf %s "$new" | sha256sum | cut -c1-16)" >> '\(log)'; exit \(testExit) ;;
          finish) cat > /dev/null ;;
        esac
        """)
}

func sha16(_ text: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "printf %s \"$0\" | sha256sum | cut -c1-16", text]
    let pipe = Pipe()
    process.standardOutput = pipe
    try! process.run()
    process.waitUntilExit()
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Rotation, revocation and expiry")
struct RotationTests {
    @Test func rotatingFromASecretRevokesTheOldVersionAtOnceByDefault() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        let result = try t.vault.rotate("erp", from: .secret(Secret("v2")))
        #expect(result.version == 2)
        #expect(try t.vault.fetch("erp").secret.text == "v2")
        #expect(errorKind { _ = try t.vault.fetch("erp", version: 1) } == .denied)
        let states = try t.vault.show("erp").versions.map { "\($0.number):\($0.state.rawValue)" }
        #expect(states == ["1:revoked", "2:current"])
    }

    @Test func graceKeepsThePreviousVersionValidUntilItsDeadline() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        _ = try t.vault.rotate("erp", from: .secret(Secret("v2")), policy: RotationPolicy(graceSeconds: 3_600))
        #expect(try t.vault.fetch("erp").secret.text == "v2")
        #expect(try t.vault.fetch("erp", version: 1).secret.text == "v1")
        clock.advance(3_599)
        #expect(try t.vault.fetch("erp", version: 1).secret.text == "v1")
        clock.advance(1)
        #expect(errorKind { _ = try t.vault.fetch("erp", version: 1) } == .denied)

        // Issued tokens: verify accepts the old token during the grace period only.
        let (_, old) = try t.vault.issue(newCredential("svc", "*:*:r"))
        let minted = try t.vault.rotate("svc", from: .mint, policy: RotationPolicy(graceSeconds: 600))
        let new = try #require(minted.mintedToken)
        #expect(!new.constantTimeEquals(old))
        #expect(try t.vault.verify(old).name == "svc")
        #expect(try t.vault.verify(new).name == "svc")
        clock.advance(600)
        #expect(errorKind { _ = try t.vault.verify(old) } == .denied)
        #expect(try t.vault.verify(new).name == "svc")
    }

    @Test func retireAfterFirstUseKeepsThePreviousVersionUntilTheNewOneIsUsed() throws {
        let t = try TestVault()
        let (_, old) = try t.vault.issue(newCredential("svc", "*:*:r"))
        let new = try #require(try t.vault.rotate("svc", from: .mint, policy: RotationPolicy(retireAfterFirstUse: true)).mintedToken)
        // However long it takes, the old token works until the new one is first presented.
        #expect(try t.vault.verify(old).name == "svc")
        #expect(try t.vault.verify(old).name == "svc")
        #expect(try t.vault.verify(new).name == "svc")
        #expect(errorKind { _ = try t.vault.verify(old) } == .denied)

        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        _ = try t.vault.rotate("erp", from: .secret(Secret("v2")), policy: RotationPolicy(retireAfterFirstUse: true))
        #expect(try t.vault.fetch("erp", version: 1).secret.text == "v1")
        #expect(try t.vault.fetch("erp").secret.text == "v2")
        #expect(errorKind { _ = try t.vault.fetch("erp", version: 1) } == .denied)
    }

    @Test func graceAndFirstUseTogetherRetireAtWhicheverComesFirst() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        let (_, old) = try t.vault.issue(newCredential("svc", "*:*:r"))
        _ = try t.vault.rotate("svc", from: .mint, policy: RotationPolicy(graceSeconds: 100, retireAfterFirstUse: true))
        clock.advance(100)
        #expect(errorKind { _ = try t.vault.verify(old) } == .denied)  // the deadline came first
    }

    @Test func aRotatedCredentialKeepsItsLifetimeUnlessTold() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        _ = try t.vault.add(newCredential("erp", "*:*:r", expiresIn: 90 * 86_400), secret: Secret("v1"))
        clock.advance(85 * 86_400)
        let kept = try t.vault.rotate("erp", from: .secret(Secret("v2")))
        #expect(kept.credential.expiresAt == clock.now + 90 * 86_400)
        let told = try t.vault.rotate("erp", from: .secret(Secret("v3")), policy: RotationPolicy(expiry: .after(seconds: 86_400)))
        #expect(told.credential.expiresAt == clock.now + 86_400)
        _ = try t.vault.add(.legacy(name: "old"), secret: Secret("l1"))
        #expect(try t.vault.rotate("old", from: .secret(Secret("l2"))).credential.expiresAt == nil)
        let (_, _) = try t.vault.issue(newCredential("svc", "*:*:r", expiresIn: 180 * 86_400))
        let capped = try t.vault.rotate("svc", from: .mint, policy: RotationPolicy(expiry: .after(seconds: 400 * 86_400)))
        #expect(capped.credential.expiresAt == clock.now + Vault.maximumIssuedLifetime)
    }

    @Test func sourcesMustFitTheCredentialAndRevokedOnesCannotRotate() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        _ = try t.vault.issue(newCredential("svc", "*:*:r"))
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .mint) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.rotate("svc", from: .secret(Secret("x"))) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.rotate("svc", from: .hook(RotationHook(command: "true"))) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.rotate("missing", from: .secret(Secret("x"))) } == .notFound)
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .secret(Secret(""))) } == .invalidInput)
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .secret(Secret("x")), policy: RotationPolicy(graceSeconds: 0)) } == .invalidInput)
        try t.vault.revoke("erp")
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .secret(Secret("x"))) } == .denied)
    }

    @Test func aHookRotatesWithSecretsOnlyOnItsStandardInput() throws {
        let t = try TestVault()
        var new = try newCredential("erp", "*:*:r")
        new.issuer = "xentral"
        new.apiURL = "https://erp.example.com/api"
        _ = try t.vault.add(new, secret: Secret("OLD-SECRET-abc"))
        let hook = recordingHook(t.directory, new: "NEW-SECRET-xyz")
        let result = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)), policy: RotationPolicy(graceSeconds: 60))
        #expect(result.version == 2 && !result.resumed && result.finishFailure == nil)
        #expect(try t.vault.fetch("erp").secret.text == "NEW-SECRET-xyz")
        let log = try String(contentsOfFile: t.directory.file("hook.log"), encoding: .utf8)
        #expect(log.contains("step=create name=erp version=2"))
        #expect(log.contains("step=test name=erp version=2"))
        #expect(log.contains("step=finish name=erp version=2"))
        #expect(log.contains("TOKENVAULT_ISSUER=xentral"))
        #expect(log.contains("TOKENVAULT_API_URL=https://erp.example.com/api"))
        #expect(log.contains("stdin-sha=\(sha16("OLD-SECRET-abc"))"))
        #expect(log.contains("test-sha=\(sha16("NEW-SECRET-xyz"))"))
        #expect(!log.contains("OLD-SECRET-abc"))  // not in any environment or argv
        #expect(!log.contains("NEW-SECRET-xyz"))
        let reasons = try t.sql("SELECT reason FROM audit_events WHERE action = 'rotate' ORDER BY seq").map { $0.string(0) ?? "" }
        #expect(reasons.count == 3)
        #expect(reasons[2].hasPrefix("test step passed; version 2 current; version 1 previous until"))
    }

    @Test func aFailedTestLeavesTheCurrentVersionUntouched() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        let hook = recordingHook(t.directory, new: "broken", testExit: 3)
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook))) } == .failed)
        #expect(try t.vault.fetch("erp").secret.text == "v1")
        #expect(try t.vault.show("erp").versions.map { "\($0.number):\($0.state.rawValue)" } == ["1:current", "2:revoked"])
        #expect(try t.sql("SELECT count(*) FROM rotation_leases")[0].int64(0) == 0)
        let last = try t.sql("SELECT outcome, reason FROM audit_events WHERE action = 'rotate' ORDER BY seq DESC LIMIT 1")[0]
        #expect(last.string(0) == "error")
        #expect(last.string(1) == "test step failed (exit status 3); version 1 stays current")
        // The lease was released: a good hook now succeeds, with the next version number.
        let good = recordingHook(t.directory, new: "v3")
        #expect(try t.vault.rotate("erp", from: .hook(RotationHook(command: good))).version == 3)
    }

    @Test func failingHangingAndSilentCreateStepsChangeNothing() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        for command in ["cat >/dev/null; exit 4", "cat >/dev/null; [ \"$TOKENVAULT_STEP\" = create ] && sleep 30", "cat >/dev/null"] {
            let started = Date()
            #expect(
                errorKind { _ = try t.vault.rotate("erp", from: .hook(RotationHook(command: command, timeoutSeconds: 1))) } == .failed, "\(command)")
            #expect(Date().timeIntervalSince(started) < 10, "the hanging hook was not killed")
            #expect(try t.vault.fetch("erp").secret.text == "v1")
            #expect(try t.vault.show("erp").versions.count == 1)
        }
        #expect(try t.sql("SELECT count(*) FROM rotation_leases")[0].int64(0) == 0)
    }

    @Test func aFinishFailureIsReportedButTheRotationStands() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        let hook = hookScript(
            t.directory,
            """
            cat > /dev/null
            case "$TOKENVAULT_STEP" in create) echo v2 ;; finish) exit 9 ;; esac
            """)
        let result = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)))
        #expect(result.finishFailure == "finish step failed (exit status 9)")
        #expect(try t.vault.fetch("erp").secret.text == "v2")
    }

    @Test func aLiveLeaseMakesASecondRotationSkipAndADeadOneIsTakenOver() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        // Another live rotation (this very process, as seen through the lease).
        _ = try t.sql(
            "INSERT INTO rotation_leases VALUES (1, ?, ?, ?, ?)",
            [ProcessIdentity.host, ProcessIdentity.pid, t.clock.now, t.clock.now + 600]
        )
        #expect(errorKind { _ = try t.vault.rotate("erp", from: .secret(Secret("v2"))) } == .busy)
        // A crashed rotation: its owner is gone, and it left a pending version behind.
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        _ = try t.sql("UPDATE rotation_leases SET owner_pid = ?", [Int64(dead.processIdentifier)])
        let other = try t.reopen()
        let keys = other.keys
        // What the crashed run's create step committed: a pending version, sealed with its event.
        let uid = try t.vault.show("erp").credential.id
        try other.audited(AuditRecord(.rotate, credentialID: uid, name: "erp")) { db, now, record in
            try other.changingState(of: 1, db, &record) { _ in
                try SecretVersions.insert(
                    credential: 1, uid: uid, version: 2, state: .pending,
                    secret: Secret("from-the-crashed-run"), fingerprint: keys.fingerprint(of: Secret("from-the-crashed-run")),
                    now: now, keys: keys, db: db
                )
            }
        }
        let hook = recordingHook(t.directory, new: "never-used")
        let resumed = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)))
        #expect(resumed.resumed && resumed.version == 2)
        #expect(try t.vault.fetch("erp").secret.text == "from-the-crashed-run")
        let log = try String(contentsOfFile: t.directory.file("hook.log"), encoding: .utf8)
        #expect(!log.contains("step=create"))  // resumed at the test step
    }

    /// A pending version a protocol-2 hook created (the issuer reported its id) and a stdin
    /// rotation then discards is still valid at the issuer: its rollback step is owed.
    @Test func aStdinRotationOwesTheRollbackOfAPendingVersionTheIssuerMade() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        let keys = t.vault.keys
        let uid = try t.vault.show("erp").credential.id
        try t.vault.audited(AuditRecord(.rotate, credentialID: uid, name: "erp")) { db, now, record in
            try t.vault.changingState(of: 1, db, &record) { _ in
                try SecretVersions.insert(
                    credential: 1, uid: uid, version: 2, state: .pending, secret: Secret("minted-upstream"),
                    fingerprint: keys.fingerprint(of: Secret("minted-upstream")), now: now, keys: keys, db: db
                )
                try SecretVersionTable.recordUpstream(db, credential: 1, version: 2, id: "pat-42", expiresAt: now + 86_400)
            }
        }
        let result = try t.vault.rotate("erp", from: .secret(Secret("by-hand")))
        let fetched = try t.vault.fetch("erp").secret.text
        #expect(result.version == 3 && fetched == "by-hand")
        let owed = try t.sql("SELECT version, owed_step FROM secret_versions WHERE owed_step IS NOT NULL")
        #expect(owed.count == 1 && owed.first?.int64(0) == 2 && owed.first?.string(1) == "rollback")
        let reason = try t.sql("SELECT reason FROM audit_events WHERE action = 'rotate' ORDER BY seq DESC LIMIT 1").first?.string(0)
        #expect(reason?.hasSuffix("; rollback step owed for version 2") == true, "\(reason ?? "")")
        #expect(try t.vault.verifyAuditTrail().isIntact)
    }

    @Test func cronModeRotatesWhatIsDueOnceAndSkipsTheRest() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        // 90-day tokens, as an ERP issues them; 85 days later two of them are due.
        _ = try t.vault.add(newCredential("due-1", "*:*:r", expiresIn: 88 * 86_400), secret: Secret("a"))
        _ = try t.vault.add(newCredential("due-2", "*:*:r", expiresIn: 90 * 86_400), secret: Secret("b"))
        _ = try t.vault.add(newCredential("later", "*:*:r", expiresIn: 120 * 86_400), secret: Secret("c"))
        _ = try t.vault.add(.legacy(name: "legacy"), secret: Secret("d"))
        _ = try t.vault.issue(newCredential("issued", "*:*:r", expiresIn: 87 * 86_400))
        _ = try t.vault.add(newCredential("revoked", "*:*:r", expiresIn: 86 * 86_400), secret: Secret("e"))
        try t.vault.revoke("revoked")
        clock.advance(85 * 86_400)
        let hook = hookScript(t.directory, "cat >/dev/null; [ \"$TOKENVAULT_STEP\" = create ] && echo \"new-$TOKENVAULT_NAME\"; exit 0")
        let first = try t.vault.rotateExpiring(within: 7 * 86_400, hook: RotationHook(command: hook)).rotations
        #expect(first.map(\.name) == ["issued", "due-1", "due-2"])
        #expect(
            first.map(\.outcome) == [
                .skipped("issued token: rotate it by hand to hand over the new token"), .rotated(version: 2), .rotated(version: 2),
            ])
        #expect(try t.vault.fetch("due-1").secret.text == "new-due-1")
        #expect(try t.vault.show("due-1").credential.expiresAt == clock.now + 88 * 86_400)
        let second = try t.vault.rotateExpiring(within: 7 * 86_400, hook: RotationHook(command: hook)).rotations
        #expect(second.map(\.name) == ["issued"])  // idempotent: the rotated ones are no longer due
        let failing = try t.vault.rotateExpiring(within: 60 * 86_400, hook: RotationHook(command: "cat >/dev/null; exit 1")).rotations
        #expect(failing.contains { $0.name == "later" && $0.outcome == .failed("rotation of 'later': create step failed (exit status 1)") })
    }

    /// The documented limit of keeping a credential's lifetime: one shorter than the cron window
    /// is still due after its rotation, so every run rotates it again. (Give such credentials a
    /// longer --expires-in on rotation, or a shorter window.)
    @Test func aLifetimeShorterThanTheWindowStaysDue() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("short", "*:*:r", expiresIn: 3 * 86_400), secret: Secret("a"))
        let hook = hookScript(t.directory, "cat >/dev/null; [ \"$TOKENVAULT_STEP\" = create ] && echo new; exit 0")
        _ = try t.vault.rotateExpiring(within: 7 * 86_400, hook: RotationHook(command: hook)).rotations
        #expect(try t.vault.rotateExpiring(within: 7 * 86_400, hook: RotationHook(command: hook)).rotations.map(\.outcome) == [.rotated(version: 3)])
        let longer = RotationPolicy(expiry: .after(seconds: 30 * 86_400))
        _ = try t.vault.rotateExpiring(within: 7 * 86_400, hook: RotationHook(command: hook), policy: longer).rotations
        #expect(try t.vault.rotateExpiring(within: 7 * 86_400, hook: RotationHook(command: hook)).rotations.isEmpty)
    }

    @Test func revokingOneVersion() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        _ = try t.vault.rotate("erp", from: .secret(Secret("v2")), policy: RotationPolicy(graceSeconds: 3_600))
        #expect(try t.vault.fetch("erp", version: 1).secret.text == "v1")
        try t.vault.revoke("erp", version: 1)
        #expect(errorKind { _ = try t.vault.fetch("erp", version: 1) } == .denied)
        #expect(errorKind { try t.vault.revoke("erp", version: 2) } == .invalidInput)
        #expect(errorKind { try t.vault.revoke("erp", version: 9) } == .notFound)
        #expect(try t.vault.fetch("erp").secret.text == "v2")
    }

    @Test func expiringClassifiesAndSorts() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        _ = try t.vault.add(newCredential("a-expired", "*:*:r", expiresIn: 60), secret: Secret("1"))
        _ = try t.vault.add(newCredential("b-critical", "*:*:r", expiresIn: 2 * 86_400), secret: Secret("2"))
        _ = try t.vault.add(newCredential("c-warning", "*:*:r", expiresIn: 20 * 86_400), secret: Secret("3"))
        _ = try t.vault.add(newCredential("d-fine", "*:*:r", expiresIn: 90 * 86_400), secret: Secret("4"))
        _ = try t.vault.add(.legacy(name: "e-never"), secret: Secret("5"))
        _ = try t.vault.add(newCredential("f-revoked", "*:*:r", expiresIn: 60), secret: Secret("6"))
        try t.vault.revoke("f-revoked")
        clock.advance(120)
        let entries = try t.vault.expiring(within: 60 * 86_400, critical: 7 * 86_400)
        #expect(
            entries.map { "\($0.credential.name):\($0.status.rawValue)" } == [
                "a-expired:expired", "b-critical:critical", "c-warning:warning", "e-never:never",
            ])
        #expect(errorKind { _ = try t.vault.expiring(within: 0, critical: 0) } == .invalidInput)
    }

    @Test func connectionTestsAreRecordedAndAudited() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("good-token"))
        let passed = try t.vault.testConnection("erp", hook: RotationHook(command: "grep -qx good-token"))
        #expect(passed.passed && passed.detail == "passed")
        #expect(try t.vault.show("erp").credential.lastTest == passed)
        let failed = try t.vault.testConnection("erp", hook: RotationHook(command: "cat >/dev/null; exit 7"))
        #expect(!failed.passed && failed.detail == "exit status 7")
        #expect(try t.vault.show("erp").credential.lastTest?.passed == false)
        let events = try t.sql("SELECT outcome, reason FROM audit_events WHERE action = 'test' ORDER BY seq").map {
            "\($0.string(0)!): \($0.string(1)!)"
        }
        #expect(
            events == [
                "ok: current version handed to the test hook", "ok: connection test passed",
                "ok: current version handed to the test hook", "error: connection test failed: exit status 7",
            ])
        try t.vault.revoke("erp")
        #expect(errorKind { _ = try t.vault.testConnection("erp", hook: RotationHook(command: "true")) } == .denied)
    }
}

@Suite("Rotation regressions")
struct RotationRegressionTests {
    /// Found in review: a version kept for first use stayed valid for good when the credential
    /// was rotated again before the new version was ever used.
    @Test func aSecondRotationRetiresAVersionWaitingForFirstUse() throws {
        let t = try TestVault()
        let (_, first) = try t.vault.issue(newCredential("svc", "*:*:r"))
        _ = try t.vault.rotate("svc", from: .mint, policy: RotationPolicy(retireAfterFirstUse: true))
        _ = try t.vault.rotate("svc", from: .mint)
        #expect(errorKind { _ = try t.vault.verify(first) } == .denied)
        _ = try t.vault.add(newCredential("erp", "*:*:r"), secret: Secret("v1"))
        _ = try t.vault.rotate("erp", from: .secret(Secret("v2")), policy: RotationPolicy(retireAfterFirstUse: true))
        _ = try t.vault.rotate("erp", from: .secret(Secret("v3")), policy: RotationPolicy(graceSeconds: 600))
        #expect(errorKind { _ = try t.vault.fetch("erp", version: 1) } == .denied)
        #expect(try t.vault.fetch("erp", version: 2).secret.text == "v2")  // its own grace deadline holds
    }

    /// Found in review: a rotate-data-key racing a rekey in another process wrapped the new
    /// data key under the old KEK, leaving the vault unopenable.
    @Test func aKeyChangeAfterARekeyElsewhereIsRefusedAndChangesNothing() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("a", "*:*:r"), secret: Secret("s"))
        let stale = try t.reopen()
        try KeyFile.generate(at: t.directory.file("new.key"))
        try t.vault.rekey(to: .keyFile(t.directory.file("new.key")))
        #expect(errorKind { try stale.rotateDataKey() } == .locked)
        try KeyFile.generate(at: t.directory.file("third.key"))
        #expect(errorKind { try stale.rekey(to: .keyFile(t.directory.file("third.key"))) } == .locked)
        let reopened = try Vault.open(at: t.path, key: .keyFile(t.directory.file("new.key")))
        #expect(try reopened.fetch("a").secret.text == "s")
        #expect(try reopened.verifyAuditTrail().isIntact)
    }
}
