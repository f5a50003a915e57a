import Foundation
import Testing
import TokenVaultStore

/// `tokenvault policy …` and the policies' enforcement through the real binary.
@Suite("Issuer policies through the real binary")
struct PolicyCLITests {
    @Test func aNewVaultHasTheERPRuleAndAddsOverItAreRefused() throws {
        let box = try Sandbox()
        let list = box.run(["policy", "list"])
        #expect(list.status == 0 && list.out.contains("xentral") && list.out.contains("180d") && list.out.contains("2026-12-01"), "\(list.out)")
        #expect(box.run(["policy", "list", "--json"]).out.contains(#""issuer":"xentral","max_lifetime":"180d""#))

        for arguments in [["--expires-in", "181d"], ["--never-expires"], ["--expires", "2099-01-01"]] {
            let refused = box.run(["add", "erp", "--grant", "shop:orders:r", "--issuer", "Xentral"] + arguments, input: "erp-secret")
            #expect(refused.status == 2, "\(arguments): \(refused.err)")
            #expect(
                refused.err.hasPrefix(
                    "tokenvault: error: issuer 'xentral' allows at most 180 days since 2026-12-01 (policy); give --expires-in 180d or less"),
                "\(refused.err)")
            #expect(refused.out.isEmpty)
        }
        #expect(box.run(["list", "--json"]).out == "[]\n")  // nothing stored
        #expect(!box.run(["audit", "--json"]).out.contains(#""action":"add""#))  // bad input, as every usage error: not audited
        #expect(box.run(["add", "erp", "--grant", "shop:orders:r", "--issuer", "xentral", "--expires-in", "180d"], input: "s").status == 0)
        #expect(box.run(["add", "old", "--legacy", "--issuer", "xentral"], input: "s").status == 0)  // legacy: exempt
        #expect(box.run(["issue", "svc", "--grant", "*:*:r", "--issuer", "xentral", "--expires-in", "90d"]).status == 0)

        #expect(box.run(["edit", "erp", "--expires-in", "365d"]).status == 2)
        let rotated = box.run(["rotate", "erp", "--expires-in", "200d"], input: "s2")
        #expect(rotated.status == 2 && rotated.err.contains("(policy)"), "\(rotated.err)")
        #expect(box.run(["get", "erp"]).out == "s")
        #expect(box.run(["rotate", "erp", "--expires-in", "90d"], input: "s2").status == 0)
        #expect(box.run(["audit", "verify"]).status == 0)
    }

    @Test func setListRemoveAndTheirRefusals() throws {
        let box = try Sandbox()
        let set = box.run(["policy", "set", "GitHub", "--max-lifetime", "90d", "--since", "2026-01-01", "--json"])
        #expect(set.status == 0, "\(set.err)")
        #expect(
            set.out == #"{"policy":{"issuer":"github","max_lifetime":"90d","max_lifetime_seconds":7776000,"since":"2026-01-01T00:00:00Z"}}"# + "\n")
        #expect(box.run(["policy", "set", "acme", "--max-lifetime", "12h"]).out == "set: issuer 'acme' allows at most 12 hours\n")
        let list = box.run(["policy", "list"]).out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(
            list == [
                ["ISSUER", "MAX", "LIFETIME", "SINCE"], ["acme", "12h", "any", "time"], ["github", "90d", "2026-01-01"],
                ["xentral", "180d", "2026-12-01"],
            ])
        #expect(box.run(["policy", "remove", "ACME"]).out == "removed the policy of issuer 'acme'\n")
        #expect(!box.run(["policy", "list"]).out.contains("acme"))

        let before = box.run(["policy", "list", "--json"]).out
        let refused: [([String], Int32, String)] = [
            (["policy", "remove", "acme"], 3, "issuer 'acme' has no policy"),
            (["policy", "remove", "nobody"], 3, "issuer 'nobody' has no policy"),
            (["policy", "set", "acme"], 2, "--max-lifetime"),
            (["policy", "set", "acme", "--max-lifetime", "90x"], 2, "invalid duration '90x'"),
            (["policy", "set", "acme", "--max-lifetime", "0d"], 2, "invalid duration"),
            (["policy", "set", "acme", "--max-lifetime", "90d", "--since", "2026-13-01"], 2, "invalid date '2026-13-01'"),
            (["policy", "set", String(repeating: "i", count: 51), "--max-lifetime", "90d"], 2, "issuer must be 1 to 50 characters"),
            (["policy", "set"], 2, "takes 1 argument"),
            (["policy", "remove"], 2, "takes 1 argument"),
            (["policy", "list", "extra"], 2, "takes 0 arguments"),
        ]
        for (arguments, status, message) in refused {
            let run = box.run(arguments)
            #expect(run.status == status, "\(arguments): \(run.err)")
            #expect(run.out.isEmpty && run.err.contains(message), "\(arguments): \(run.err)")
        }
        #expect(box.run(["policy", "list", "--json"]).out == before)

        let audit = box.run(["audit", "--json"]).out
        #expect(audit.contains(#""action":"policy-set""#) && audit.contains(#""action":"policy-remove""#))
        #expect(audit.contains(#""credential_id":"policy:github""#))
        #expect(box.run(["audit", "--action", "policy-remove", "--outcome", "denied", "--format", "jsonl"]).out.split(separator: "\n").count == 2)

        for command in [["policy", "set"], ["policy", "list"], ["policy", "remove"]] {
            let help = box.run(command + ["--help"])
            #expect(help.status == 0 && help.out.contains("EXIT CODES:"), "\(command)")
        }
    }

    @Test func reportAndExpiringFlagATokenOverThePolicy() throws {
        let box = try Sandbox()
        #expect(box.run(["add", "gh", "--grant", "repo:code:r", "--issuer", "github", "--expires-in", "365d"], input: "g").status == 0)
        #expect(box.run(["add", "gh-ok", "--grant", "repo:code:r", "--issuer", "github", "--expires-in", "30d"], input: "g").status == 0)
        #expect(box.run(["policy", "set", "github", "--max-lifetime", "90d"]).status == 0)

        let report = box.run(["report"])
        #expect(report.status == 1)
        #expect(report.out.contains("Over their issuer's policy: \n") && report.out.contains("at most 90d since any time"), "\(report.out)")
        let json = box.run(["report", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let over = try #require(object["over_policy"] as? [[String: Any]])
        #expect(over.count == 1 && over[0]["name"] as? String == "gh")
        #expect((over[0]["policy"] as? [String: Any])?["issuer"] as? String == "github")

        let expiring = box.run(["expiring", "--within", "400d"])
        #expect(expiring.out.contains("over-policy: gh: issuer 'github' allows at most 90 days"), "\(expiring.out)")
        #expect(!expiring.out.contains("over-policy: gh-ok"))
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(box.run(["expiring", "--within", "400d", "--json"]).out.utf8)) as? [[String: Any]])
        let flags = Dictionary(uniqueKeysWithValues: entries.map { ($0["name"] as? String ?? "", $0["over_policy"] as? Bool) })
        #expect(flags == ["gh": true, "gh-ok": false])
    }

    /// A writer without the key edits, deletes or restores the policy row: the next add for the
    /// issuer exits 6, and `audit verify` names the table.
    @Test(arguments: [
        ("edited", "UPDATE issuer_policies SET max_lifetime = 315360000", "fails its MAC"),
        ("deleted", "DELETE FROM issuer_policies", "is missing"),
        ("restored", "UPDATE issuer_policies SET max_lifetime = 15552000, since = ?, state_seq = 2, state_mac = ?", "is stale"),
    ])
    func aTamperedPolicyIsRefused(_ name: String, _ statement: String, _ problem: String) throws {
        let box = try Sandbox()
        var arguments: [any SQLBindable] = []
        if name == "restored" {
            // The row as it stands, kept aside by the writer before the policy changes.
            let row = try #require(try box.sql("SELECT since, state_mac FROM issuer_policies").first)
            #expect(box.run(["policy", "set", "xentral", "--max-lifetime", "30d", "--since", "2026-12-01"]).status == 0)
            arguments = [row[0], row[1]]
        }
        let connection = try box.connection()
        try connection.execute(statement, arguments)
        #expect(connection.changes == 1)
        let add = box.run(["add", "erp", "--grant", "shop:orders:r", "--issuer", "xentral", "--expires-in", "30d"], input: "s")
        #expect(add.status == 6, "\(name): \(add.err)")
        #expect(add.err.contains("issuer_policies row \(problem)") && add.err.contains("of issuer 'xentral'"), "\(name): \(add.err)")
        #expect(box.run(["list", "--json"]).out == "[]\n")
        #expect(box.run(["audit", "--action", "add", "--json"]).out.contains(#""outcome":"error""#))
        let verify = box.run(["audit", "verify"])
        #expect(verify.status == 6 && verify.err.contains("issuer_policies"), "\(name): \(verify.err)")
        #expect(box.run(["policy", "list"]).status == 6)
        // A token of another issuer does not read the policy.
        #expect(box.run(["add", "other", "--grant", "shop:orders:r", "--issuer", "acme", "--expires-in", "30d"], input: "s").status == 0)
    }
}
