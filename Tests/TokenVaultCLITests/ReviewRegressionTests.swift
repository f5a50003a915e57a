import Foundation
import Testing
import TokenVaultStore

/// Regressions for what the code review found, and the CLI behaviour it found untested.
@Suite("Review regressions through the real binary")
struct ReviewRegressionTests {
    @Test func execGivesItsChildTheUsersSignalAndUmaskSettings() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "exec-secret")
        // `yes | head -1` relies on SIGPIPE ending `yes`; umask must be the caller's, not 077.
        let script = "umask 022; exec '\(toolURL.path)' exec --env T=erp -- /bin/sh -c 'yes | head -n 1; umask'"
        let run = Sandbox.execute("/bin/sh", ["-c", script], input: [], environment: box.environment)
        #expect(run.status == 0)
        #expect(run.out == "y\n0022\n")
        #expect(!run.err.contains("Broken pipe"))
    }

    @Test func rotatingAMissingCredentialIsAudited() throws {
        let box = try Sandbox()
        #expect(box.run(["rotate", "ghost"], input: "new").status == 3)
        let events = box.run(["audit", "--action", "rotate", "--format", "jsonl"]).out
        #expect(events.contains("\"credential_name\":\"ghost\""))
        #expect(events.contains("\"outcome\":\"denied\",\"reason\":\"not found\""))
    }

    @Test func rotateJsonForAnIssuedTokenIsOneDocument() throws {
        let box = try Sandbox()
        box.run(["issue", "svc", "--grant", "*:*:r"])
        let run = box.run(["rotate", "svc", "--json"])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        let token = try #require(object["token"] as? String)
        #expect(token.hasPrefix("tvk_"))
        #expect(object["version"] as? Int == 2)
        #expect(box.run(["verify"], input: token).status == 0)
    }

    @Test func verifyRefusalsDoNotNameTheCredential() throws {
        let box = try Sandbox()
        let token = box.run(["issue", "secret-service-name", "--grant", "api:*:r"]).out
        let scoped = box.run(["verify", "--project", "other"], input: token)
        box.run(["revoke", "secret-service-name"])
        let revoked = box.run(["verify"], input: token)
        for run in [scoped, revoked] {
            #expect(run.status == 4)
            #expect(run.err == "tokenvault: error: the token is not valid\n")
        }
        let reasons = box.run(["audit", "--action", "verify", "--format", "csv"]).out
        #expect(reasons.contains("out of scope") && reasons.contains("revoked"))
    }

    @Test func addRefusesABadNameBeforeAskingForTheSecret() throws {
        let box = try Sandbox()
        let run = box.run(["add", "bad\tname", "--legacy"], input: "")
        #expect(run.status == 2)
        #expect(run.err.contains("control character"))  // not "the secret is empty"
    }

    @Test func scanFollowsASymlinkGivenOnTheCommandLine() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "linked-secret-0001")
        #expect(FileManager.default.createFile(atPath: box.file("real.env"), contents: Data("T=linked-secret-0001\n".utf8)))
        try FileManager.default.createSymbolicLink(atPath: box.file("link.env"), withDestinationPath: box.file("real.env"))
        let run = box.run(["scan", box.file("link.env")])
        #expect(run.status == 1)
        #expect(run.out.contains("link.env:1: stored token of 'erp'"))
    }

    @Test func scanSkipsLinksInsideFoldersAndReportsEachTokenOncePerLine() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "folder+secret=0002")
        let folder = box.file("tree")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Raw twice and URL-encoded once on one line: one finding.
        let line = "A=folder+secret=0002 B=folder+secret=0002 C=folder%2Bsecret%3D0002\n"
        #expect(FileManager.default.createFile(atPath: box.file("outside.env"), contents: Data(line.utf8)))
        #expect(FileManager.default.createFile(atPath: folder + "/inside.env", contents: Data(line.utf8)))
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.env", withDestinationPath: box.file("outside.env"))
        let run = box.run(["scan", folder])
        #expect(run.status == 1)
        #expect(run.out.components(separatedBy: "stored token of 'erp'").count - 1 == 1)
        #expect(run.out.contains("inside.env:1:"))
        #expect(!run.out.contains("link.env"))
    }

    @Test func aSealOutputBehindALinkedFolderIsRefusedBeforeAnythingIsWritten() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.file("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box.file("linked"), withDestinationPath: box.file("real"))
        let events = box.run(["audit", "--format", "jsonl"]).out
        let run = box.run(["audit", "seal", "--out", box.file("linked") + "/seal.txt"])
        #expect(run.status == 2)
        #expect(run.err.contains("is a symbolic link"))
        #expect(box.run(["audit", "--format", "jsonl"]).out == events)  // no seal event committed
        #expect(!FileManager.default.fileExists(atPath: box.file("real") + "/seal.txt"))
    }

    @Test(.enabled(if: TestEngine.isSQLite, "a link to the vault file's folder"))
    func verifyingASealRefusesAVaultBehindALinkedFolder() throws {
        let box = try Sandbox()
        #expect(box.run(["audit", "seal", "--out", box.file("seal.txt"), "--public-key-out", box.file("vault.pub")]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: box.file("linked"), withDestinationPath: box.path + "/vault")
        let auditor = ["TOKENVAULT_PATH": box.file("linked") + "/vault.db", "TOKENVAULT_KEY_FILE": ""]
        let run = box.run(["audit", "verify", "--seal", box.file("seal.txt"), "--public-key", box.file("vault.pub")], environment: auditor)
        #expect(run.status == 2)
        #expect(run.err.contains("is a symbolic link"))
    }

    @Test func csvExportsNeverStartAFieldWithAFormula() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--legacy"], input: "x", environment: ["TOKENVAULT_ACTOR": "=HYPERLINK(\"http://evil\")"])
        let csv = box.run(["audit", "--format", "csv"]).out
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","))
        #expect(!csv.contains(",=HYPERLINK"))
    }

    @Test func theEncryptionLimitForcesADataKeyRotation() throws {
        let box = try Sandbox()
        box.run(["add", "a", "--legacy"], input: "x")
        let connection = try box.connection()
        try connection.execute("UPDATE keys SET encryptions = 4294967295 WHERE purpose = 'data'")
        #expect(box.run(["add", "b", "--legacy"], input: "y").status == 0)  // the last one allowed
        let refused = box.run(["add", "c", "--legacy"], input: "z")
        #expect(refused.status == 1)
        #expect(refused.err.contains("encryption limit"))
        #expect(refused.err.contains("rotate-data-key"))
        #expect(box.run(["get", "c"]).status == 3)  // nothing half-written
        #expect(box.run(["rotate-data-key"]).status == 0)
        #expect(box.run(["add", "c", "--legacy"], input: "z").status == 0)
        #expect(box.run(["get", "c"]).out == "z")
    }

    @Test func passphraseFilesMustBePrivate() throws {
        let box = try Sandbox(initialize: false)
        let passphrase = box.file("pass.txt")
        #expect(
            FileManager.default.createFile(
                atPath: passphrase, contents: Data("a long passphrase here\n".utf8), attributes: [.posixPermissions: 0o600]))
        let env = ["TOKENVAULT_KEY_FILE": "", "TOKENVAULT_PASSPHRASE_FILE": passphrase]
        #expect(box.run(["init", "--kdf-n", "32768"], environment: env).status == 0)
        #expect(box.run(["list"], environment: env).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passphrase)
        let open = box.run(["list"], environment: env)
        #expect(open.status == 5)
        #expect(open.err.contains("readable by other users"))
    }

    @Test func listExpiringWithinLeavesRevokedOnesOut() throws {
        let box = try Sandbox()
        box.run(["add", "a", "--grant", "*:*:r", "--expires-in", "3d"], input: "x")
        box.run(["add", "b", "--grant", "*:*:r", "--expires-in", "3d"], input: "y")
        box.run(["revoke", "b"])
        #expect(box.run(["list", "--expiring-within", "7d", "--json"]).out.contains("\"name\":\"a\""))
        #expect(!box.run(["list", "--expiring-within", "7d", "--json"]).out.contains("\"name\":\"b\""))
    }

    /// RELIABILITY F2: no core dump, and not dumpable, so the same user cannot read its memory
    /// or environment. Checked on a process running as `nobody` (the tests may run as root).
    @Test func theCLIIsNotDumpableAndHasNoCoreLimit() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tv-f2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["PATH": "/usr/bin:/bin", "TOKENVAULT_PATH": directory + "/v.db", "TOKENVAULT_KEY_FILE": directory + "/k.key"]
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", toolURL.path]
        #expect(
            Sandbox.execute(asNobody[0], Array(asNobody.dropFirst()) + ["keygen", directory + "/k.key"], input: [], environment: environment).status
                == 0)
        #expect(Sandbox.execute(asNobody[0], Array(asNobody.dropFirst()) + ["init"], input: [], environment: environment).status == 0)
        // `add` unlocks the vault, then waits for the token on its standard input.
        var stdin: [Int32] = [-1, -1]
        precondition(pipe(&stdin) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        posix_spawn_file_actions_addclose(&actions, stdin[1])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (asNobody + ["add", "held", "--legacy"]).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, asNobody[0], &actions, nil, argv, envp) == 0)
        posix_spawn_file_actions_destroy(&actions)
        for pointer in argv + envp { free(pointer) }
        close(stdin[0])
        defer {
            close(stdin[1])
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        // Wait until setpriv has exec'd tokenvault and it reached the read of its stdin.
        var hardened = false
        for _ in 0..<200 {
            let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
            let environ = try? FileManager.default.attributesOfItem(atPath: "/proc/\(pid)/environ")
            let owner = (environ?[.ownerAccountID] as? NSNumber)?.intValue
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            if comm.hasPrefix("tokenvault"), limits.contains("Max core file size        0"), owner == 0 {
                hardened = true
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(hardened, "tokenvault running as nobody kept a core limit or stayed dumpable")
        ignoreBrokenPipes
        _ = "token\n".withCString { write(stdin[1], $0, 6) }
    }

    // MARK: - The authenticated-state review

    @Test(.enabled(if: TestEngine.isSQLite, "files that are not vaults; PostgresVaultCLITests.foreignTables is its schema twin"))
    func aFileThatIsNotAVaultIsLeftExactlyAsItWas() throws {
        let box = try Sandbox()
        // An ordinary SQLite database in rollback-journal mode, with a table of its own.
        let plain = box.file("plain.db")
        #expect(
            Sandbox.execute(
                "/usr/bin/env", ["python3", "-c", "import sqlite3; c = sqlite3.connect('\(plain)'); c.execute('CREATE TABLE t (x)'); c.commit()"],
                input: [], environment: box.environment
            ).status == 0)
        let empty = box.file("empty.db")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data(), attributes: [.posixPermissions: 0o600]))
        for path in [plain, empty] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            for command in [["list"], ["get", "x"], ["audit", "verify"], ["add", "x", "--legacy"]] {
                let run = box.run(["--vault", path] + command, input: "secret")
                #expect(run.status == 6, "\(command): \(run.err)")
                #expect(run.err.contains("is not a TokenVault vault"), "\(run.err)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
        // Another program's database in WAL mode passes the header check; it is refused on the
        // vault's own connection before the migrator would add a single table.
        let wal = box.file("wal.db")
        let make = "import sqlite3; c = sqlite3.connect('\(wal)'); c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE t (x)'); c.commit()"
        #expect(Sandbox.execute("/usr/bin/env", ["python3", "-c", make], input: [], environment: box.environment).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: wal)
        let run = box.run(["--vault", wal, "list"])
        #expect(run.status == 6 && run.err.contains("is not a TokenVault vault"), "\(run.err)")
        let tables = try Connection(path: wal, options: Connection.Options()).rows("SELECT name FROM sqlite_schema").compactMap { $0.string(0) }
        #expect(tables == ["t"])
    }

    @Test func execHandsTheChildTheSecretsExactBytesAndRefusesANul() throws {
        let box = try Sandbox()
        let bytes: [UInt8] = [0x61, 0x62, 0xFF, 0xFE, 0x63, 0x64]
        let added = Sandbox.execute(
            toolURL.path, ["add", "raw", "--grant", "*:*:r", "--expires-in", "30d"], input: bytes, environment: box.environment)
        #expect(added.status == 0, "\(added.err)")
        let run = box.run(["exec", "--env", "T=raw", "--", "/bin/sh", "-c", "printf %s \"$T\" | od -An -tx1"])
        #expect(run.status == 0)
        #expect(
            run.out.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty } == [
                "61", "62", "ff", "fe", "63", "64",
            ])
        let nul = Sandbox.execute(
            toolURL.path, ["add", "nul", "--grant", "*:*:r", "--expires-in", "30d"], input: [0x61, 0x00, 0x62], environment: box.environment)
        #expect(nul.status == 0)
        let refused = box.run(["exec", "--env", "T=nul", "--", "/bin/true"])
        #expect(refused.status == 2)
        let events = box.run(["audit", "--name", "nul", "--action", "fetch", "--format", "jsonl"]).out
        #expect(events.contains("\"outcome\":\"denied\"") && !events.contains("\"outcome\":\"ok\""), "\(events)")
    }

    @Test func aFIFOAsKeyFileIsRefusedAtOnceAndKeygenMakesItsFolders() throws {
        let box = try Sandbox()
        let fifo = box.file("key.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let started = Date()
        let run = box.run(["list"], environment: ["TOKENVAULT_KEY_FILE": fifo])
        #expect(run.status == 5)
        #expect(run.err.contains("is not a regular file"))
        #expect(Date().timeIntervalSince(started) < 5)
        let nested = box.file("fresh-home/.config/tokenvault/vault.key")
        #expect(box.run(["keygen", nested]).status == 0)
        var info = stat()
        #expect(stat(nested, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(box.file("fresh-home/.config/tokenvault"), &info) == 0 && info.st_mode & 0o777 == 0o700)
    }

    @Test(.enabled(if: TestEngine.isSQLite, "the modes of the vault file and its WAL"))
    func aVaultOthersCanReadIsRefusedWithTheRepair() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d"], input: "s")
        for suffix in ["", "-wal"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: box.vault + suffix)
            let run = box.run(["get", "erp"])
            #expect(run.status == 5 && run.stdout.isEmpty)
            #expect(run.err.contains("accessible to other users") && run.err.contains("chmod 600"), "\(run.err)")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.vault + suffix)
        }
        #expect(box.run(["get", "erp"]).out == "s")
    }

    @Test func aRevokeDuringAHookRotationWins() throws {
        let box = try Sandbox()
        box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d"], input: "v1")
        let tool = "'\(toolURL.path)'"
        // The create step revokes the credential (as an admin would, meanwhile), then mints.
        let hook = box.hook(
            "revoking.sh",
            """
            cat >/dev/null
            case "$TOKENVAULT_STEP" in
              create) \(tool) revoke erp >/dev/null; echo minted-after-revoke ;;
              test) cat > '\(box.file("test-got"))' ;;
            esac
            """)
        let run = box.run(["rotate", "erp", "--hook", hook])
        #expect(run.status == 4, "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: box.file("test-got")))
        #expect(try box.sql("SELECT count(*) FROM secret_versions WHERE state = 'pending' OR state = 'current' AND version > 1")[0].int64(0) == 0)
        #expect(try box.sql("SELECT count(*) FROM rotation_leases")[0].int64(0) == 0)
        #expect(box.run(["get", "erp"]).status == 4)
        #expect(box.run(["audit", "verify"]).status == 0)
    }
}
