import Foundation
import Testing
import TokenVaultStore

/// The attacker who can write the vault file but holds no key (a backup job, a shared volume, a
/// container mounting the file read-write), armed with SQL on the file: every forged or stale
/// row is refused with exit 6 by the command that would have used it (no secret, no hook run, no
/// listing that shows it as true), the refusal is audited, and `audit verify` names the row.
/// On PostgreSQL the attacker is a login with the vault's role (its schema's owner).
struct TamperFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { "the attacker's SQL failed: \(message)" }
}

@Suite("Writes the file, holds no key: tampered and stale state through the real binary")
struct TamperTests {
    /// A sandbox with a few credentials, one of them revoked, and a hook that leaves a mark when run.
    final class Scene: Sendable {
        let box: Sandbox
        let marker: String
        let hook: String

        init() throws {
            box = try Sandbox()
            marker = box.file("hook-ran")
            hook = box.hook("mark.sh", "cat >/dev/null; touch '\(box.file("hook-ran"))'; [ \"$TOKENVAULT_STEP\" = create ] && echo new-token; exit 0")
            box.run(
                ["add", "erp", "--grant", "shop:orders:r", "--expires-in", "30d", "--issuer", "xentral", "--api-url", "https://erp.example.com/api"],
                input: "erp-secret")
            box.run(["add", "edi", "--grant", "edi:orders:r", "--expires-in", "30d"], input: "edi-secret")
            box.run(["add", "old", "--grant", "*:*:r", "--expires-in", "30d"], input: "old-secret")
            box.run(["revoke", "old"])
        }

        /// SQL on the file, as the attacker runs it: through Python's sqlite3 module, a plain
        /// SQLite connection (no defensive mode, no foreign keys), not TokenVault's. On
        /// PostgreSQL through a plain connection to the vault's schema.
        func tamper(_ statements: String) throws {
            guard box.isFile else {
                do {
                    try box.connection().execute(statements)
                } catch {
                    throw TamperFailed(message: "\(error)")
                }
                return
            }
            let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=5); c.executescript(sys.stdin.read()); c.commit()"
            let run = Sandbox.execute(
                "/usr/bin/env", ["python3", "-c", script, box.vault], input: Array(statements.utf8), environment: box.environment)
            guard run.status == 0 else { throw TamperFailed(message: run.err) }
        }

        /// What turns the foreign keys off for the attacker's next statements: a pragma of their
        /// SQLite connection; on PostgreSQL, which enforces them for every session, the owner
        /// drops the constraints.
        var foreignKeysOff: String {
            guard !box.isFile else { return "PRAGMA foreign_keys = OFF;" }
            return ["secret_versions", "grants", "name_history", "rotation_leases"].map {
                "ALTER TABLE \($0) DROP CONSTRAINT \($0)_credential_id_fkey;"
            }.joined(separator: " ")
        }

        /// A blob literal of `hex` in the engine's SQL.
        func blob(_ hex: String) -> String { box.isFile ? "X'\(hex)'" : "'\\x\(hex)'::bytea" }

        /// A copy of the vault as it is now (a backup the attacker keeps): an SQLite file
        /// attached as `old`, or a schema of copied tables on PostgreSQL.
        struct Copy {
            /// The statement that makes the copy's tables visible (SQLite's ATTACH), or nothing.
            let attach: String
            /// The name to qualify the copy's tables with.
            let schema: String
        }

        func backup() throws -> Copy {
            guard box.isFile else {
                let schema = "tvcopy_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                let tables = try box.sql(
                    "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND relkind = 'r'"
                ).compactMap { $0.string(0) }
                try tamper("CREATE SCHEMA \(schema); " + tables.map { "CREATE TABLE \(schema).\($0) AS SELECT * FROM \($0);" }.joined(separator: " "))
                return Copy(attach: "", schema: schema)
            }
            let copy = box.file("backup-\(UUID().uuidString).db")
            try tamper("VACUUM INTO '\(copy)'")
            return Copy(attach: "ATTACH '\(copy)' AS old;", schema: "old")
        }

        /// Runs a command that must be refused as tampering: exit 6, nothing on stdout, no secret
        /// on stderr, no hook run.
        /// `expiring` is a monitor's command: every failure is its 3 (UNKNOWN), the message the same.
        func expectRefused(_ arguments: [String], input: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
            let run = box.run(arguments, input: input)
            let status: Int32 = arguments.first == "expiring" ? 3 : 6
            #expect(run.status == status, "\(arguments): exit \(run.status): \(run.err)", sourceLocation: sourceLocation)
            #expect(run.err.hasPrefix("tokenvault: error: "), "\(run.err)", sourceLocation: sourceLocation)
            #expect(run.stdout.isEmpty, "\(arguments) printed \(run.out)", sourceLocation: sourceLocation)
            for secret in ["erp-secret", "edi-secret", "old-secret", "new-token"] {
                #expect(!run.err.contains(secret), sourceLocation: sourceLocation)
            }
            #expect(!FileManager.default.fileExists(atPath: marker), "\(arguments) ran the hook", sourceLocation: sourceLocation)
        }

        /// Restores `columns` of credential `name`'s row from `backup`, as an attacker
        /// restoring rows (not the trail) from an older copy would.
        func restore(_ columns: String, ofCredential name: String, from backup: Copy) throws {
            try tamper(
                """
                \(backup.attach)
                UPDATE credentials SET (\(columns)) = (SELECT \(columns) FROM \(backup.schema).credentials o WHERE o.id = credentials.id)
                WHERE name = '\(name)';
                """)
        }

        /// `audit verify` exits 6 and names `table` and `credential`.
        func expectVerifyNames(_ table: String, _ credential: String, kind: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let run = box.run(["audit", "verify", "--json"])
            #expect(run.status == 6, "audit verify: exit \(run.status)", sourceLocation: sourceLocation)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any], sourceLocation: sourceLocation)
            let problem = try #require(report["problem"] as? [String: Any], sourceLocation: sourceLocation)
            #expect(problem["table"] as? String == table, "\(problem)", sourceLocation: sourceLocation)
            #expect(problem["credential"] as? String == credential, "\(problem)", sourceLocation: sourceLocation)
            #expect(problem["kind"] as? String == kind, "\(problem)", sourceLocation: sourceLocation)
            let text = box.run(["audit", "verify"])
            #expect(text.status == 6 && text.err.contains(table) && text.err.contains(credential), "\(text.err)", sourceLocation: sourceLocation)
        }

        /// The refusals audited with outcome `error`, as "action reason" lines.
        var auditedErrors: [String] {
            box.run(["audit", "--outcome", "error", "--format", "csv"]).out.split(separator: "\n").dropFirst().map(String.init)
        }
    }

    @Test(.enabled(if: TestEngine.isSQLite, "a schema-5 vault file; PostgreSQL vaults are born at schema 10"))
    func aVaultOfThePreviousReleaseIsUpgradedByItsFirstCommand() throws {
        let box = try Sandbox(initialize: false)
        let fixture = repositoryRoot + "/Tests/Fixtures/schema5"
        try FileManager.default.createDirectory(atPath: box.path + "/vault", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture + "/vault.db", toPath: box.vault)
        try FileManager.default.copyItem(atPath: fixture + "/vault.key", toPath: box.keyFile)
        // Git keeps no file mode but the executable bit: make the copies private, as TokenVault would.
        for file in [box.vault, box.keyFile] { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file) }
        #expect(box.run(["get", "edi-de"]).out == "edi-secret")
        let verify = box.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.err)")
        #expect(verify.out.contains("vault state intact: 5 credentials match the trail"), "\(verify.out)")
        let upgrade = box.run(["audit", "--action", "authenticate-state", "--format", "jsonl"]).out
        #expect(upgrade.contains("\"actor\":\"cli-test\"") && upgrade.contains("authenticated the state of 5 credentials"), "\(upgrade)")
    }

    @Test func anUntouchedVaultVerifiesStateAndTrail() throws {
        let scene = try Scene()
        let run = scene.box.run(["audit", "verify"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("vault state intact: 3 credentials match the trail"))
    }

    @Test func anUndoneRevokeIsRefused() throws {
        let scene = try Scene()
        try scene.tamper("UPDATE credentials SET revoked_at = NULL WHERE name = 'old'")
        scene.expectRefused(["get", "old"])
        scene.expectRefused(["list"])
        scene.expectRefused(["show", "old"])
        try scene.expectVerifyNames("credentials", "old", kind: "stateForged")
        let errors = scene.auditedErrors
        #expect(errors.contains { $0.contains(",fetch,") && $0.contains("credentials row fails its MAC") }, "\(errors)")
        #expect(errors.contains { $0.contains(",read,") && $0.contains("credentials row fails its MAC") }, "\(errors)")
        // The untouched credentials still work.
        #expect(scene.box.run(["get", "edi"]).out == "edi-secret")
    }

    @Test func aWidenedGrantIsRefused() throws {
        let scene = try Scene()
        try scene.tamper("UPDATE grants SET project = '*', resource = '*', permissions = 'crud' WHERE project = 'shop'")
        scene.expectRefused(["get", "erp", "--project", "payroll", "--permission", "d"])
        scene.expectRefused(["get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"])
        try scene.expectVerifyNames("credentials", "erp", kind: "stateForged")
        // An added grant row, too.
        let second = try Scene()
        try second.tamper("INSERT INTO grants SELECT id, 'payroll', '*', 'crud' FROM credentials WHERE name = 'edi'")
        second.expectRefused(["get", "edi", "--project", "payroll"])
        try second.expectVerifyNames("credentials", "edi", kind: "stateForged")
    }

    @Test func aLiftedExpiryIsRefused() throws {
        let scene = try Scene()
        try scene.tamper("UPDATE credentials SET expires_at = NULL WHERE name = 'erp'")
        scene.expectRefused(["get", "erp"])
        scene.expectRefused(["expiring", "--within", "90d"])
        scene.expectRefused(["report"])
        try scene.expectVerifyNames("credentials", "erp", kind: "stateForged")
    }

    @Test func aRedirectedAPIURLRunsNoHook() throws {
        let scene = try Scene()
        try scene.tamper("UPDATE credentials SET api_url = 'http://127.0.0.1:9/steal' WHERE name = 'erp'")
        scene.expectRefused(["test", "erp", "--hook", scene.hook])
        scene.expectRefused(["rotate", "erp", "--hook", scene.hook])
        // The cron mode goes on with the other credentials and exits 6 for the tampered one.
        let cron = scene.box.run(["rotate", "--expiring-within", "60d", "--hook", scene.hook, "--json"])
        #expect(cron.status == 6, "\(cron.err)")
        #expect(cron.out.contains("\"failed\":1") && cron.out.contains("\"rotated\":1"), "\(cron.out)")
        #expect(scene.box.run(["get", "edi"]).out == "new-token")
        #expect(scene.box.run(["get", "erp"]).status == 6)
        try scene.expectVerifyNames("credentials", "erp", kind: "stateForged")
    }

    @Test func swappedIdsOrNamesNeverHandOutAnotherCredentialsSecret() throws {
        let names = try Scene()
        try names.tamper(
            """
            UPDATE credentials SET name = 'tmp' WHERE name = 'erp';
            UPDATE credentials SET name = 'erp' WHERE name = 'edi';
            UPDATE credentials SET name = 'edi' WHERE name = 'tmp';
            """)
        names.expectRefused(["get", "erp"])
        names.expectRefused(["get", "edi"])
        try names.expectVerifyNames("credentials", "edi", kind: "stateForged")

        let ids = try Scene()
        // uid and row id together, with the version and grant rows following them.
        try ids.tamper(
            """
            \(ids.foreignKeysOff)
            UPDATE credentials SET uid = 'x' || uid, id = id + 100 WHERE name = 'erp';
            UPDATE credentials SET uid = (SELECT substr(uid, 2) FROM credentials WHERE name = 'erp'), id = 1 WHERE name = 'edi';
            """)
        ids.expectRefused(["get", "edi"])
        try ids.expectVerifyNames("credentials", "edi", kind: "stateForged")
    }

    @Test func anOldVersionMadeCurrentAgainIsRefused() throws {
        let scene = try Scene()
        scene.box.run(["rotate", "erp"], input: "erp-secret-2")
        try scene.tamper(
            """
            UPDATE secret_versions SET state = 'previous' WHERE state = 'current' AND credential_id = 1;
            UPDATE secret_versions SET state = 'current' WHERE version = 1 AND credential_id = 1;
            """)
        scene.expectRefused(["get", "erp"])
        scene.expectRefused(["get", "erp", "--version", "1"])
        try scene.expectVerifyNames("credentials", "erp", kind: "stateForged")
    }

    @Test func aSkippedRetirementIsCaughtWhenTheOldVersionIsUsed() throws {
        let scene = try Scene()
        scene.box.run(["rotate", "erp", "--retire-after-first-use"], input: "erp-secret-2")
        #expect(scene.box.run(["get", "erp", "--version", "1"]).out == "erp-secret")  // waiting for version 2's first use
        // The writer marks version 2 as used already, so that its real first use retires nothing.
        try scene.tamper("UPDATE secret_versions SET first_used_at = 1 WHERE credential_id = 1 AND version = 2")
        #expect(scene.box.run(["get", "erp"]).out == "erp-secret-2")
        scene.expectRefused(["get", "erp", "--version", "1"])
        try scene.expectVerifyNames("secret_versions", "erp", kind: "stateForged")
    }

    @Test func aRevokedMintedTokenDoesNotVerifyAgain() throws {
        let scene = try Scene()
        let old = scene.box.run(["issue", "svc", "--grant", "*:*:r"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(old.hasPrefix("tvk_"))
        #expect(scene.box.run(["rotate", "svc"]).status == 0)  // version 1 revoked at once
        #expect(scene.box.run(["verify"], input: old).status == 4)
        try scene.tamper(
            "UPDATE secret_versions SET state = 'previous' WHERE version = 1 AND credential_id = (SELECT id FROM credentials WHERE name = 'svc')")
        scene.expectRefused(["verify"], input: old)
        try scene.expectVerifyNames("secret_versions", "svc", kind: "stateForged")
    }

    @Test func rewrittenNameHistoryHidesNoEvents() throws {
        let scene = try Scene()
        scene.box.run(["rename", "erp", "erp-de"])
        scene.box.run(["get", "erp-de"])
        try scene.tamper("UPDATE name_history SET name = 'elsewhere' WHERE name = 'erp'")
        // The holders of a name come from the trail: the add under the old name is still found.
        let events = scene.box.run(["audit", "--name", "erp", "--format", "jsonl"])
        #expect(events.status == 0)
        #expect(events.out.contains("\"action\":\"add\"") && events.out.contains("\"action\":\"fetch\""), "\(events.out)")
        scene.expectRefused(["show", "erp-de"])
        try scene.expectVerifyNames("name_history", "erp-de", kind: "stateForged")
        // A deleted row is named too.
        let second = try Scene()
        second.box.run(["rename", "edi", "edi-2"])
        try second.tamper("DELETE FROM name_history WHERE name = 'edi'")
        try second.expectVerifyNames("name_history", "edi", kind: "stateMissing")
    }

    @Test func rowsRestoredFromAnOlderCopyAreStale() throws {
        // A revoke undone by restoring the credential's row from a backup taken before it.
        let scene = try Scene()
        let before = try scene.backup()
        scene.box.run(["revoke", "erp"])
        try scene.restore("revoked_at, state_seq, state_mac", ofCredential: "erp", from: before)
        scene.expectRefused(["get", "erp"])
        try scene.expectVerifyNames("credentials", "erp", kind: "stateStale")
        #expect(scene.auditedErrors.contains { $0.contains("credentials row is stale") })

        // A rotation undone: every row of the credential restored, the new version deleted.
        let rotated = try Scene()
        let copy = try rotated.backup()
        rotated.box.run(["rotate", "edi"], input: "edi-secret-2")
        try rotated.tamper(
            """
            \(copy.attach)
            DELETE FROM secret_versions WHERE credential_id = 2;
            INSERT INTO secret_versions SELECT * FROM \(copy.schema).secret_versions WHERE credential_id = 2;
            UPDATE credentials SET (expires_at, state_seq, state_mac) =
                (SELECT expires_at, state_seq, state_mac FROM \(copy.schema).credentials o WHERE o.id = credentials.id) WHERE id = 2;
            UPDATE name_history SET (state_seq, state_mac) =
                (SELECT state_seq, state_mac FROM \(copy.schema).name_history o WHERE o.rowid = name_history.rowid) WHERE credential_id = 2;
            """)
        rotated.expectRefused(["get", "edi"])
        try rotated.expectVerifyNames("credentials", "edi", kind: "stateStale")
    }

    @Test func aDeletedCredentialOrVersionIsNamed() throws {
        let scene = try Scene()
        try scene.tamper(
            "\(scene.foreignKeysOff) DELETE FROM secret_versions WHERE credential_id = 2; DELETE FROM grants WHERE credential_id = 2; DELETE FROM name_history WHERE credential_id = 2; DELETE FROM credentials WHERE id = 2"
        )
        try scene.expectVerifyNames("credentials", "edi", kind: "stateMissing")
        let versions = try Scene()
        versions.box.run(["rotate", "edi"], input: "edi-secret-2")
        versions.box.run(["rotate", "edi"], input: "edi-secret-3")
        try versions.tamper("DELETE FROM secret_versions WHERE credential_id = 2 AND version = 2")
        try versions.expectVerifyNames("secret_versions", "edi", kind: "stateMissing")
    }

    @Test func aReplacedSealPublicKeyIsNeverHandedToAuditors() throws {
        let scene = try Scene()
        #expect(scene.box.run(["audit", "seal", "--out", scene.box.file("seal-1")]).status == 0)
        // The writer's own key, which would let them sign seals of a trail they cut.
        try scene.tamper("UPDATE seal_keys SET public_key = \(scene.blob(String(repeating: "ab", count: 32)))")
        let run = scene.box.run(["audit", "seal", "--out", scene.box.file("seal-2"), "--public-key-out", scene.box.file("pub")])
        #expect(run.status == 6, "\(run.err)")
        #expect(run.err.contains("seal_keys row fails its MAC"), "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: scene.box.file("pub")))
        #expect(!FileManager.default.fileExists(atPath: scene.box.file("seal-2")))
    }

    @Test func aForgedHeaderOrUnflaggedEventIsRefused() throws {
        let header = try Scene()
        try header.tamper("UPDATE vault_meta SET state_mac = NULL")
        header.expectRefused(["get", "erp"])
        // Clearing the state flag of the revoke's event to pass off a stale row breaks the chain.
        let flag = try Scene()
        let before = try flag.backup()
        flag.box.run(["revoke", "erp"])
        try flag.restore("revoked_at, state_seq, state_mac", ofCredential: "erp", from: before)
        try flag.tamper("UPDATE audit_events SET changes_state = 0 WHERE action = 'revoke' AND credential_name = 'erp'")
        let verify = flag.box.run(["audit", "verify"])
        #expect(verify.status == 6)
        #expect(verify.err.contains("does not match its hash"), "\(verify.err)")
    }

    // MARK: - Found by a review of the design

    @Test func aPlantedTriggerOrViewIsRefusedAtOpen() throws {
        let scene = try Scene()
        // Would undo the next revoke inside the revoke's own transaction, after its checks. (On
        // PostgreSQL the trigger's function is kept in a schema of its own.)
        let side = "tvfn_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try scene.tamper(
            scene.box.isFile
                ? """
                CREATE TRIGGER undo_revoke AFTER UPDATE OF revoked_at ON credentials
                BEGIN UPDATE credentials SET revoked_at = NULL WHERE id = NEW.id; END;
                """
                : """
                CREATE SCHEMA \(side);
                CREATE FUNCTION \(side).undo() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE credentials SET revoked_at = NULL WHERE id = NEW.id; RETURN NEW; END $$;
                CREATE TRIGGER undo_revoke AFTER UPDATE OF revoked_at ON credentials FOR EACH ROW EXECUTE FUNCTION \(side).undo();
                """)
        scene.expectRefused(["revoke", "erp"])
        scene.expectRefused(["get", "erp"])
        let run = scene.box.run(["get", "erp"])
        #expect(run.err.contains("trigger undo_revoke"), "\(run.err)")
        let view = try Scene()
        try view.tamper("CREATE VIEW v AS SELECT 1")
        view.expectRefused(["list"])
    }

    @Test func rowsPlantedUnderTheNextRowIDAreNotSealedByAdd() throws {
        let scene = try Scene()
        // The next id: SQLite's next rowid, or the next value of PostgreSQL's identity sequence.
        let next = scene.box.isFile ? "(SELECT max(id) + 1 FROM credentials)" : "(SELECT last_value + 1 FROM credentials_id_seq)"
        try scene.tamper("\(scene.foreignKeysOff) INSERT INTO grants VALUES (\(next), 'payroll', 'salaries', 'crud')")
        let issued = scene.box.run(["issue", "billing", "--grant", "billing:invoices:r", "--expires-in", "30d"])
        #expect(issued.status == 6, "\(issued.err)")
        #expect(issued.stdout.isEmpty)
        #expect(issued.err.contains("grants row fails its MAC"), "\(issued.err)")
        #expect(scene.box.run(["show", "billing"]).status == 3)
    }

    @Test(
        .enabled(
            if: TestEngine.isSQLite,
            "rewrites sqlite_schema; PostgreSQL's index definitions are checked at open (PostgresVaultCLITests.tamperedRows)"))
    func aRewrittenStateIndexIsNamedByAuditVerify() throws {
        let scene = try Scene()
        let before = try scene.backup()
        scene.box.run(["revoke", "erp"])
        let revoke = try #require(
            try scene.box.sql("SELECT seq FROM audit_events WHERE action = 'revoke' AND credential_name = 'erp'").last?.int64(0))
        // Every row of the credential restored from the copy, so that only the index tells.
        try scene.restore("revoked_at, state_seq, state_mac", ofCredential: "erp", from: before)
        try scene.tamper(
            """
            \(before.attach)
            DELETE FROM secret_versions WHERE credential_id = 1;
            INSERT INTO secret_versions SELECT * FROM \(before.schema).secret_versions WHERE credential_id = 1;
            DELETE FROM name_history WHERE credential_id = 1;
            INSERT INTO name_history SELECT * FROM \(before.schema).name_history WHERE credential_id = 1;
            """)
        // An index that leaves out the revoke, renamed back to the original definition.
        try scene.tamper(
            """
            DROP INDEX audit_events_state;
            CREATE INDEX audit_events_state ON audit_events (credential_uid, seq) WHERE changes_state = 1 AND seq <> \(revoke);
            PRAGMA writable_schema = ON;
            UPDATE sqlite_schema SET sql = 'CREATE INDEX audit_events_state ON audit_events (credential_uid, seq) WHERE changes_state = 1'
            WHERE name = 'audit_events_state';
            """)
        try scene.expectVerifyNames("audit_events_state", "erp", kind: "stateForged")
    }

    @Test(.enabled(if: TestEngine.isSQLite, "undoes the schema-6 upgrade; PostgreSQL vaults are born at schema 10"))
    func theUpgradeCannotBeMadeToRunAgain() throws {
        let scene = try Scene()
        // Remove the state columns and the migration's record, so that the next open would
        // seal the rows again as they stand, after undoing a revoke.
        try scene.tamper(
            """
            ALTER TABLE audit_events RENAME COLUMN changes_state TO cs_old;
            DROP INDEX audit_events_state; DROP INDEX audit_events_naming;
            ALTER TABLE credentials DROP COLUMN state_seq; ALTER TABLE credentials DROP COLUMN state_mac;
            ALTER TABLE secret_versions DROP COLUMN state_seq; ALTER TABLE secret_versions DROP COLUMN state_mac;
            ALTER TABLE name_history DROP COLUMN state_seq; ALTER TABLE name_history DROP COLUMN state_mac;
            ALTER TABLE vault_meta DROP COLUMN state_epoch; ALTER TABLE vault_meta DROP COLUMN state_mac;
            DELETE FROM schema_migrations WHERE version = 6;
            UPDATE credentials SET revoked_at = NULL;
            """)
        scene.expectRefused(["get", "old"])
        let run = scene.box.run(["get", "old"])
        #expect(run.err.contains("does not verify"), "\(run.err)")
    }

    @Test func aForgedRevocationHidesNothingFromExpiringOrTheCronMode() throws {
        let scene = try Scene()
        try scene.tamper("UPDATE credentials SET revoked_at = 1 WHERE name = 'erp'")
        scene.expectRefused(["expiring", "--within", "60d"])
        let cron = scene.box.run(["rotate", "--expiring-within", "60d", "--hook", scene.hook, "--json"])
        #expect(cron.status == 6, "\(cron.err)")
        #expect(cron.out.contains("\"failed\":1"), "\(cron.out)")
    }

    @Test func aStoredSecretIsNeverAcceptedAsAnIssuedToken() throws {
        let scene = try Scene()
        let token = scene.box.run(["issue", "svc", "--grant", "svc:*:r", "--expires-in", "30d"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        // The minted token's fingerprint moved to a stored credential with wider grants, its
        // ciphertext cleared so that the row looks like an issued token's.
        try scene.tamper(
            """
            UPDATE secret_versions SET fingerprint = (SELECT fingerprint FROM secret_versions v JOIN credentials c ON c.id = v.credential_id WHERE c.name = 'svc'),
                ciphertext = NULL, key_id = NULL WHERE credential_id = (SELECT id FROM credentials WHERE name = 'edi');
            DELETE FROM secret_versions WHERE credential_id = (SELECT id FROM credentials WHERE name = 'svc');
            """)
        let run = scene.box.run(["verify", "--project", "edi"], input: token)
        #expect(run.status != 0)
        #expect(!run.out.contains("edi"))
    }
}
