import Foundation
import Testing

/// `tokenvault principal …` through the real binary: happy and unhappy paths, exit codes, and
/// tokens that appear once and nowhere else.
@Suite("Principal commands through the real binary")
struct PrincipalCLITests {
    @Test func addListShowRenameRotateRemove() throws {
        let box = try Sandbox()
        let added = box.run(["principal", "add", "procuros", "--uid", "1001", "--allow", "erp:shop-de:orders:r", "--json"])
        #expect(added.status == 0, "\(added.err)")
        #expect(added.out.contains("\"name\":\"procuros\"") && added.out.contains("\"uid\":1001"))
        let token = box.run(["principal", "add", "ci", "--token", "--allow", "*:*:*:r", "--allow", "metrics"])
        #expect(token.status == 0)
        let secret = token.out.trimmingCharacters(in: .newlines)
        #expect(secret.hasPrefix("tva_") && secret.count == 53)
        #expect(token.err.contains("shown once") && !token.err.contains(secret))
        #expect(box.run(["principal", "add", "admins", "--gid", "0", "--admin"]).status == 0)

        let list = box.run(["principal", "list"])
        #expect(list.status == 0)
        #expect(list.out.contains("procuros") && list.out.contains("uid 1001") && list.out.contains("token tva-"))
        #expect(!list.out.contains(secret))
        let show = box.run(["principal", "show", "ci", "--json"])
        #expect(show.out.contains("\"token_id\":\"tva-") && show.out.contains("\"allow\":[\"*:*:*:r\",\"metrics\"]"))

        #expect(box.run(["principal", "rename", "ci", "ci-main"]).status == 0)
        let rotated = box.run(["principal", "rotate-token", "ci-main", "--json"])
        #expect(rotated.status == 0 && rotated.out.hasPrefix("{\"token\":\"tva_") && !rotated.out.contains(secret))
        #expect(box.run(["principal", "remove", "procuros"]).status == 0)
        #expect(!box.run(["principal", "list"]).out.contains("procuros"))

        // Audited, with no token anywhere in the trail or the file.
        let audit = box.run(["audit", "--json"]).out
        for action in ["principal-add", "principal-rename", "principal-rotate-token", "principal-remove"] {
            #expect(audit.contains("\"action\":\"\(action)\""), "\(action)")
        }
        #expect(try !audit.contains(secret) && !box.storageContains(Array(secret.utf8)))
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test func badInputChangesNothing() throws {
        let box = try Sandbox()
        #expect(box.run(["principal", "add", "a", "--uid", "1"]).status == 0)
        let before = box.run(["audit", "--json"]).out
        let refused: [([String], Int32, String)] = [
            (["principal", "add", "b"], 2, "exactly one of"),
            (["principal", "add", "b", "--uid", "2", "--token"], 2, "exactly one of"),
            (["principal", "add", "b", "--uid", "no-such-user-xyz"], 2, "no user"),
            (["principal", "add", "b", "--gid", "no-such-group-xyz"], 2, "no group"),
            (["principal", "add", "b", "--uid", "2", "--allow", "erp:shop"], 2, "invalid"),
            (["principal", "add", "b", "--uid", "2", "--allow", "-x:*:*:r"], 2, "cannot start with"),
            (["principal", "add", "a", "--uid", "2"], 2, "already exists"),
            (["principal", "add", "b", "--uid", "1"], 2, "already recognised"),
            (["principal", "add", String(repeating: "n", count: 51), "--uid", "3"], 2, "principal name is 51 characters"),
            (["principal", "show", "nobody"], 3, "no principal"),
            (["principal", "remove", "nobody"], 3, "no principal"),
            (["principal", "rename", "a", "a"], 2, "already exists"),
            (["principal", "rotate-token", "a"], 2, "not a token"),
            (["principal", "show"], 2, "takes 1 argument"),
        ]
        for (arguments, status, message) in refused {
            let run = box.run(arguments)
            #expect(run.status == status, "\(arguments): \(run.err)")
            #expect(run.err.hasPrefix("tokenvault: error: ") && run.err.contains(message), "\(arguments): \(run.err)")
            #expect(run.out.isEmpty, "\(arguments)")
        }
        // Nothing was added: the refusals that reached the vault are audited as refused, and the
        // one successful principal-add is still the only one.
        let after = box.run(["audit", "--json"]).out
        let added = { (trail: String) in
            trail.split(separator: "\n").filter { $0.contains("\"principal-add\"") && $0.contains("\"outcome\":\"ok\"") }.count
        }
        #expect(added(before) == 1 && added(after) == 1)
        #expect(box.run(["principal", "list"]).out.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 2)
    }

    @Test func wrongKeyMissingVaultAndTamperedRows() throws {
        let box = try Sandbox()
        #expect(box.run(["principal", "add", "a", "--uid", "1", "--allow", "*:*:*:r"]).status == 0)
        let wrongKey = box.file("other.key")
        #expect(box.run(["keygen", wrongKey]).status == 0)
        #expect(box.run(["principal", "list"], environment: ["TOKENVAULT_KEY_FILE": wrongKey]).status == 5)
        #expect(box.run(["principal", "list"], environment: ["TOKENVAULT_PATH": try box.absentVault()]).status == 3)
        // A writer of the database without the key makes the principal an admin: refused, named.
        _ = try box.sql("UPDATE principals SET admin = 1")
        let list = box.run(["principal", "list"])
        #expect(list.status == 6 && list.err.contains("principals"))
        let verify = box.run(["audit", "verify"])
        #expect(verify.status == 6 && verify.out.contains("principals") || verify.err.contains("principals"))
    }
    @Test func unitPrincipalsForTheCredentialsSocket() throws {
        let box = try Sandbox()
        let edi = box.run(["principal", "add", "edi", "--unit", "edi-connector.service", "--allow", "erp-prod:shop:*:r", "--json"])
        #expect(edi.status == 0, "\(edi.err)")
        #expect(edi.out.contains("\"unit\":\"edi-connector.service\""), "\(edi.out)")
        // Templated units and systemd's escapes are unit names too.
        #expect(box.run(["principal", "add", "tty", "--unit", "getty@tty1.service"]).status == 0)
        #expect(box.run(["principal", "add", "esc", "--unit", "a\\x2db.service"]).status == 0)
        let list = box.run(["principal", "list"])
        #expect(list.status == 0 && list.out.contains("unit edi-connector.service") && list.out.contains("unit getty@tty1.service"), "\(list.out)")

        let before = box.run(["audit", "--json"]).out
        let refused: [([String], String)] = [
            (["principal", "add", "b", "--unit", "noservice"], "invalid unit name"),
            (["principal", "add", "b", "--unit", "a b.service"], "invalid unit name"),
            (["principal", "add", "b", "--unit", "x/y.service"], "invalid unit name"),
            (["principal", "add", "b", "--unit", ".service"], "invalid unit name"),
            (["principal", "add", "b", "--unit", ""], "invalid unit name"),
            (["principal", "add", "b", "--unit", "edi-connector.service"], "already recognised by that unit"),
            (["principal", "add", "edi", "--unit", "other.service"], "already exists"),
            (["principal", "add", "b", "--unit", "b.service", "--uid", "7"], "exactly one of"),
        ]
        for (arguments, message) in refused {
            let run = box.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.err)")
            #expect(run.err.hasPrefix("tokenvault: error: ") && run.err.contains(message), "\(arguments): \(run.err)")
            #expect(run.out.isEmpty, "\(arguments)")
        }
        let after = box.run(["audit", "--json"]).out
        let added = { (trail: String) in
            trail.split(separator: "\n").filter { $0.contains("\"principal-add\"") && $0.contains("\"outcome\":\"ok\"") }.count
        }
        #expect(added(before) == 3 && added(after) == 3)
    }
}
