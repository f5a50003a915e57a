import Foundation
import Testing
import TokenVaultSystem

@testable import TokenVault

/// Hook protocol 2: what `create` may print, what every step is told, and which steps a
/// protocol-1 hook is spared.
@Suite("Hook protocol 2")
struct HookProtocolTests {
    private func parse(_ output: String, _ version: HookProtocol = .two, now: UnixTime = 1_800_000_000) -> Result<CreatedToken, CreatedToken.Unusable>
    {
        CreatedToken.parse(Secret(output), protocolVersion: version, now: now)
    }

    @Test func protocolOneTakesTheWholeOutputAsTheSecret() throws {
        let token = try parse("line one\nexpires_at=2030-01-01\n", .one).get()
        #expect(token.secret.text == "line one\nexpires_at=2030-01-01")
        #expect(token.upstreamID == nil && token.expiresAt == nil)
    }

    @Test func protocolTwoReadsTheSecretAndTheIssuersKeys() throws {
        let token = try parse("new-token\r\nexpires_at=2027-03-01T12:00:00Z\r\n\nupstream_id=pat 42\nfuture_key=ignored\n").get()
        #expect(token.secret.text == "new-token")
        #expect(token.expiresAt == (try TimeFormat.parseDate("2027-03-01T12:00:00Z")))
        #expect(token.upstreamID == "pat 42")
        #expect(try parse("only-the-secret").get().secret.text == "only-the-secret")
    }

    @Test(arguments: [
        ("\nexpires_at=2027-01-01", "no secret"), ("t\nno equals sign", "without key=value"), ("t\nexpires_at=soon", "not ISO 8601"),
        ("t\nexpires_at=2020-01-01", "not in the future"), ("t\nupstream_id=", "upstream_id"),
        ("t\nupstream_id=a\u{1b}[31m", "upstream_id"), ("t\nupstream_id=" + String(repeating: "x", count: 201), "upstream_id"),
    ])
    func unusableOutputIsRefusedWithoutQuotingIt(output: String, reason: String) {
        guard case .failure(let unusable) = parse(output) else {
            Issue.record("accepted \(output.debugDescription)")
            return
        }
        #expect(unusable.reason.contains(reason))
        #expect(!unusable.reason.contains("soon") && !unusable.reason.contains("\u{1b}"))
    }

    @Test func everyStepIsToldItsVersionsExpiryGrantsAndTheIssuersIDs() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        var new = try newCredential("erp", "shop:orders:r", "shop:items:cr", expiresIn: 30 * 86_400)
        new.issuer = "xentral"
        _ = try t.vault.add(new, secret: Secret("old-token"))
        let log = t.directory.file("env.log")
        let hook = hookScript(
            t.directory,
            """
            [ "$TOKENVAULT_STEP" = probe ] && { echo protocol=2; exit 0; }
            input=$(cat)
            echo "$TOKENVAULT_STEP|$TOKENVAULT_HOOK_PROTOCOL|$TOKENVAULT_VERSION|$TOKENVAULT_PREVIOUS_VERSION|$TOKENVAULT_EXPIRES_AT|$TOKENVAULT_GRANTS|$TOKENVAULT_LEGACY|${TOKENVAULT_UPSTREAM_ID-}|${TOKENVAULT_PREVIOUS_UPSTREAM_ID-}|$input" >> '\(log)'
            [ "$TOKENVAULT_STEP" = create ] && printf 'new-token\\nexpires_at=2027-02-01\\nupstream_id=pat-2\\n'
            exit 0
            """)
        let result = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)))
        #expect(result.issuerSteps.map(\.outcome) == [.done])
        #expect(result.credential.expiresAt == (try TimeFormat.parseDate("2027-02-01")))  // the issuer's, not 30 days
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let intended = TimeFormat.iso8601(clock.now + 30 * 86_400)
        #expect(
            lines == [
                "create|2|2|1|\(intended)|shop:items:cr shop:orders:r|0|||old-token",
                "test|2|2|1|\(intended)|shop:items:cr shop:orders:r|0|pat-2||new-token",
                // finish is about the new version, with the replaced token on its standard input.
                "finish|2|2|1|2027-02-01T00:00:00Z|shop:items:cr shop:orders:r|0|pat-2||old-token",
            ])
        let versions = try t.vault.show("erp").versions
        #expect(versions.map(\.upstreamID) == [nil, "pat-2"])
        #expect(versions[0].closedAt == clock.now && versions[0].waiting == nil)
    }

    @Test func aProtocolOneHookKeepsItsFinishWithoutInputAndIsSentNothingElse() throws {
        let t = try TestVault()
        _ = try t.vault.add(try newCredential("erp", "*:*:r"), secret: Secret("old"))
        let log = t.directory.file("steps.log")
        let hook = hookScript(
            t.directory,
            """
            input=$(cat); echo "$TOKENVAULT_STEP $TOKENVAULT_HOOK_PROTOCOL [$input]" >> '\(log)'
            [ "$TOKENVAULT_STEP" = create ] && echo new; exit 0
            """)
        let result = try t.vault.rotate("erp", from: .hook(RotationHook(command: hook)))
        #expect(result.issuerSteps.isEmpty && result.finishFailure == nil)
        let steps = try String(contentsOfFile: log, encoding: .utf8)
        #expect(steps == "probe 2 []\ncreate 1 [old]\ntest 1 [new]\nfinish 1 []\n")
        #expect(try t.vault.show("erp").versions.allSatisfy { $0.waiting == nil })
    }

    @Test func aPendingVersionDiscardedIsRolledBackOnceTheRotationEnds() throws {
        let t = try TestVault()
        _ = try t.vault.add(try newCredential("erp", "*:*:r"), secret: Secret("old"))
        let log = t.directory.file("steps.log")
        let failing = hookScript(
            t.directory,
            """
            [ "$TOKENVAULT_STEP" = probe ] && { echo protocol=2; exit 0; }
            input=$(cat); echo "$TOKENVAULT_STEP $TOKENVAULT_VERSION [$input]" >> '\(log)'
            case "$TOKENVAULT_STEP" in create) echo minted-$TOKENVAULT_VERSION ;; test) exit 1 ;; rollback) exit 1 ;; esac
            exit 0
            """, name: "failing.sh")
        #expect(throws: VaultError.self) { try t.vault.rotate("erp", from: .hook(RotationHook(command: failing))) }
        #expect(try t.vault.show("erp").versions.last?.waiting?.step == .rollback)
        // A later rotation with a working hook runs the owed rollback after its own finish.
        let working = hookScript(
            t.directory,
            """
            [ "$TOKENVAULT_STEP" = probe ] && { echo protocol=2; exit 0; }
            input=$(cat); echo "$TOKENVAULT_STEP $TOKENVAULT_VERSION [$input]" >> '\(log)'
            [ "$TOKENVAULT_STEP" = create ] && echo minted-$TOKENVAULT_VERSION; exit 0
            """, name: "working.sh")
        let result = try t.vault.rotate("erp", from: .hook(RotationHook(command: working)))
        #expect(result.version == 3)
        #expect(Set(result.issuerSteps.map(\.step)) == [.finish, .rollback])
        #expect(try t.vault.show("erp").versions.allSatisfy { $0.waiting == nil })
        let steps = try String(contentsOfFile: log, encoding: .utf8)
        #expect(steps.contains("rollback 2 [minted-2]\n"))
        #expect(steps.contains("finish 3 [old]\n"))
    }

    @Test func aRevokeWhoseHookIsGoneSaysNothingWasRevokedAtTheIssuer() throws {
        let t = try TestVault()
        let script = t.directory.file("gone.sh")
        #expect(FileManager.default.createFile(atPath: script, contents: Data("#!/bin/sh\nexit 0\n".utf8), attributes: [.posixPermissions: 0o700]))
        var new = try newCredential("erp", "*:*:r")
        new.hook = script
        _ = try t.vault.add(new, secret: Secret("s"))
        try FileManager.default.removeItem(atPath: script)
        let steps = try t.vault.revoke("erp")
        #expect(steps.count == 1)
        guard case .waiting(let why)? = steps.first?.outcome else {
            Issue.record("no waiting step: \(steps)")
            return
        }
        #expect(why.contains("by hand"))
        #expect(try t.vault.show("erp").credential.revokedAt != nil)  // revoked in the vault all the same
    }

    @Test(arguments: [
        ("/bin/sh -c 'exit 0'", true), ("A=1 B=two /bin/true", true), ("'/bin/true' --flag", true), ("true", true),
        ("no-such-program-xyz", false), ("/etc/passwd", false), ("/bin", false), ("", false), ("A=1", false),
    ])
    func aHookCommandMustStartWithAnExecutable(command: String, resolves: Bool) {
        #expect(Executables.commandResolves(command) == resolves)
    }
}
