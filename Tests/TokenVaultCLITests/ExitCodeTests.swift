import Foundation
import Testing
import TokenVaultStore

/// Every documented exit code, produced by the real binary.
@Suite("Exit codes through the real binary")
struct ExitCodeTests {
    @Test func zeroOnSuccess() throws {
        let box = try Sandbox()
        #expect(box.run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "90d"], input: "s3cret\n").status == 0)
        let got = box.run(["get", "erp", "--project", "shop", "--permission", "r"])
        #expect(got.status == 0)
        #expect(got.out == "s3cret")  // no newline when stdout is not a terminal
        #expect(got.err.isEmpty)
    }

    @Test func oneWhenAnOperationFailsForAnOutsideReason() throws {
        let box = try Sandbox(initialize: false)
        // A folder that cannot be created (keygen makes missing ones).
        let run = box.run(["keygen", "/proc/tokenvault-no-such-dir/k.key"])
        #expect(run.status == 1)
        #expect(run.err.hasPrefix("tokenvault: error: "))
    }

    @Test func twoForUsageErrors() throws {
        let box = try Sandbox()
        let cases: [([String], String?)] = [
            ([], nil),
            (["frobnicate"], nil),
            (["list", "--bogus"], nil),
            (["--bogus", "list"], nil),
            (["get"], nil),
            (["get", "a", "b"], nil),
            (["add", "x", "--grant", "shop:orders:r", "--expires-in", "90x"], "s"),
            (["add", "x", "--grant", "shop:orders:r", "--expires", "2027-02-30"], "s"),
            (["add", "x", "--grant", "shop:orders:w", "--expires-in", "9d"], "s"),
            (["add", "x", "--grant", "shop:orders", "--expires-in", "9d"], "s"),
            (["add", "x", "--expires-in", "9d"], "s"),
            (["add", "x", "--grant", "*:*:r"], "s"),
            (["add", "x", "--legacy", "--expires-in", "9d"], "s"),
            (["add", "x", "--grant", "*:*:r", "--expires-in", "9d", "--never-expires"], "s"),
            (["add", String(repeating: "n", count: 51), "--legacy"], "s"),
            (["add", "x", "--legacy"], ""),
            (["add", "x", "--legacy", "--api-url", "ftp://x"], "s"),
            (["list", "--state", "sleeping"], nil),
            (["audit", "--outcome", "maybe"], nil),
            (["audit", "--limit", "-3"], nil),
            (["delete", "x"], nil),
            (["exec", "--env", "1BAD=x", "--", "true"], nil),
            (["exec", "--env", "A=x"], nil),
            (["init", "--kdf-n", "1000"], nil),
            (["rekey", "--new-key-file", "k", "--kdf-n", "16384"], nil),
        ]
        for (arguments, input) in cases {
            let run = box.run(arguments, input: input)
            #expect(run.status == 2, "\(arguments): \(run.err)")
            #expect(run.out.isEmpty, "\(arguments)")
            #expect(run.err.hasPrefix("tokenvault: error: ") || arguments.isEmpty, "\(arguments): \(run.err)")
        }
        // Bad input changed nothing.
        #expect(box.run(["list", "--json"]).out == "[]\n")
        #expect(box.run(["audit", "--format", "csv"]).out.split(separator: "\n").count == 3)  // header, init, the issuer policy
    }

    @Test func threeForMissingVaultOrCredential() throws {
        let box = try Sandbox()
        #expect(box.run(["get", "nothing"]).status == 3)
        #expect(box.run(["show", "nothing"]).status == 3)
        #expect(box.run(["rename", "nothing", "else"]).status == 3)
        #expect(box.run(["delete", "nothing", "--yes"]).status == 3)
        #expect(box.run(["revoke", "nothing"]).status == 3)
        let missing = box.run(["list"], environment: ["TOKENVAULT_PATH": try box.absentVault()])
        #expect(missing.status == 3)
        #expect(missing.err.contains(box.absentVaultMessage))
        #expect(missing.err.contains("hint: create one with `tokenvault init`"))
    }

    @Test func fourForRevokedExpiredAndOutOfScope() throws {
        let box = try Sandbox()
        box.run(["add", "scoped", "--grant", "shop:orders:r", "--expires-in", "90d"], input: "a")
        box.run(["add", "short", "--grant", "*:*:r", "--expires-in", "1s"], input: "b")
        box.run(["add", "gone", "--legacy"], input: "c")
        box.run(["revoke", "gone"])
        #expect(box.run(["get", "scoped", "--project", "other"]).status == 4)
        #expect(box.run(["get", "scoped", "--permission", "d"]).status == 4)
        #expect(box.run(["get", "gone"]).status == 4)
        Thread.sleep(forTimeInterval: 1.2)
        let expired = box.run(["get", "short"])
        #expect(expired.status == 4)
        #expect(expired.err.contains("expired"))
        #expect(expired.stdout.isEmpty)
        let issued = box.run(["issue", "svc", "--grant", "api:*:r", "--expires-in", "30d"])
        #expect(issued.status == 0)
        #expect(box.run(["verify", "--project", "api"], input: issued.out).status == 0)
        #expect(box.run(["verify", "--permission", "c"], input: issued.out).status == 4)
        #expect(box.run(["verify"], input: "tvk_not-a-real-token").status == 4)
        #expect(box.run(["get", "svc"]).status == 4)
        box.run(["revoke", "svc"])
        #expect(box.run(["verify"], input: issued.out).status == 4)
        let denied = box.run(["audit", "--outcome", "denied", "--format", "jsonl"]).out.split(separator: "\n")
        #expect(denied.count == 8)
    }

    @Test func fiveForAWrongOrMissingKey() throws {
        let box = try Sandbox()
        box.run(["keygen", box.file("other.key")])
        let wrong = box.run(["list", "--key-file", box.file("other.key")])
        #expect(wrong.status == 5)
        #expect(
            wrong.err == "tokenvault: error: wrong key: it does not unlock this vault\n"
                + "hint: if the vault was rekeyed, use its new key: an older key opens only copies made before the rekey\n")
        #expect(box.run(["list"], environment: ["TOKENVAULT_KEY_FILE": box.file("nope.key")]).status == 5)
        #expect(box.run(["list"], environment: ["TOKENVAULT_KEY_FILE": ""]).status == 5)  // no key, no terminal
        #expect(box.run(["list", "--key-command", "exit 9"]).status == 5)
        #expect(box.run(["list", "--key-command", "cat '\(box.keyFile)'"]).status == 0)
        // After a rekey the old key is wrong, the new one right, and the secret unchanged.
        box.run(["add", "a", "--legacy"], input: "kept")
        #expect(box.run(["rekey", "--new-key-file", box.file("other.key")]).status == 0)
        #expect(box.run(["get", "a"]).status == 5)
        #expect(box.run(["get", "a", "--key-file", box.file("other.key")]).out == "kept")
        #expect(box.run(["rekey", "--key-file", box.file("other.key"), "--new-key-file", box.file("missing.key")]).status == 5)
        #expect(box.run(["rekey", "--key-file", box.file("other.key")]).status == 2)  // no new key, no terminal
        #expect(box.run(["rotate-data-key", "--key-file", box.file("other.key")]).out == "re-encrypted 1 secret versions under a new data key\n")
        #expect(box.run(["get", "a", "--key-file", box.file("other.key")]).out == "kept")
    }

    @Test func sixForTamperingCorruptionAndNewerVaults() throws {
        let box = try Sandbox()
        box.run(["add", "a", "--legacy"], input: "secret-a")
        box.run(["add", "b", "--legacy"], input: "secret-b")
        // Copy a's ciphertext onto b's row.
        let connection = try box.connection()
        try connection.execute(
            "UPDATE secret_versions SET ciphertext = (SELECT ciphertext FROM secret_versions WHERE credential_id = 1) WHERE credential_id = 2"
        )
        let swapped = box.run(["get", "b"])
        #expect(swapped.status == 6)
        #expect(swapped.stdout.isEmpty)
        #expect(!swapped.err.contains("secret-a"))
        #expect(box.run(["get", "a"]).out == "secret-a")
        try connection.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (42, 'future', 'x')")
        let newer = box.run(["list"])
        #expect(newer.status == 6)
        #expect(newer.err.contains("newer than this tokenvault"))

        let junk = box.file("junk.db")
        #expect(FileManager.default.createFile(atPath: junk, contents: Data(repeating: 0xA5, count: 16_384)))
        #expect(box.run(["list"], environment: ["TOKENVAULT_PATH": junk]).status == 6)
    }

    @Test func sevenWhenAnotherProcessHoldsTheLock() throws {
        let box = try Sandbox()
        box.run(["add", "a", "--legacy"], input: "s")
        // The file's write lock, or the vault's writer lock on PostgreSQL.
        let holder = try box.connection(busyTimeoutMilliseconds: 100)
        try holder.beginWrite()
        let busy = box.run(["get", "a", "--busy-timeout", "1s"])
        #expect(busy.status == 7)
        #expect(busy.stdout.isEmpty)
        #expect(busy.err.contains("busy"))
        try holder.execute("ROLLBACK")
        #expect(box.run(["get", "a"]).status == 0)
    }
}
