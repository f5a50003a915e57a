import Foundation
import Testing

/// `tokenvault import --dotenv FILE` through the real binary.
@Suite("Import from a .env file")
struct ImportCLITests {
    @Test func everyAssignmentBecomesACredentialAndTheExecLineReplacesTheFile() throws {
        let box = try Sandbox()
        let env = box.file(".env")
        let text = "# ERP\nexport ERP_TOKEN=\"xpat_a\\\"b\"\nSHOP_KEY=plain-value # a comment\n\nQUOTED='single q'\r\n"
        try text.write(toFile: env, atomically: true, encoding: .utf8)
        let imported = box.run(["import", "--dotenv", env, "--grant", "shop:*:r", "--expires-in", "90d", "--issuer", "xentral"])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("tokenvault exec --env ERP_TOKEN=ERP_TOKEN --env SHOP_KEY=SHOP_KEY --env QUOTED=QUOTED -- COMMAND"))
        for secret in ["xpat_a", "plain-value", "single q"] { #expect(!imported.out.contains(secret) && !imported.err.contains(secret)) }
        #expect(box.run(["get", "ERP_TOKEN"]).out == "xpat_a\"b")
        #expect(box.run(["get", "SHOP_KEY"]).out == "plain-value")
        #expect(box.run(["get", "QUOTED"]).out == "single q")
        #expect(box.run(["show", "SHOP_KEY", "--json"]).out.contains("\"issuer\":\"xentral\""))
        let exec = box.run(["exec", "--env", "SHOP_KEY=SHOP_KEY", "--", "/bin/sh", "-c", "printf %s \"$SHOP_KEY\""])
        #expect(exec.out == "plain-value")
    }

    @Test func badInputAddsNothing() throws {
        let box = try Sandbox()
        let good = box.file("good.env")
        try "A_TOKEN=one\nB_TOKEN=two\n".write(toFile: good, atomically: true, encoding: .utf8)
        #expect(box.run(["add", "B_TOKEN", "--grant", "*:*:r", "--expires-in", "9d"], input: "taken").status == 0)
        let cases: [(String, [String], Int32)] = [
            ("taken name", ["--dotenv", good, "--grant", "*:*:r", "--expires-in", "9d"], 2),
            ("no grant", ["--dotenv", good, "--expires-in", "9d"], 2),
            ("no expiry", ["--dotenv", good, "--grant", "*:*:r"], 2),
            ("no file", ["--dotenv", box.file("none.env"), "--grant", "*:*:r", "--expires-in", "9d"], 3),
            ("no --dotenv", ["--grant", "*:*:r", "--expires-in", "9d"], 2),
        ]
        for (what, arguments, status) in cases {
            let run = box.run(["import"] + arguments)
            #expect(run.status == status && run.err.hasPrefix("tokenvault: error: ") && run.out.isEmpty, "\(what): \(run.err)")
        }
        for bad in ["NOT AN ASSIGNMENT\n", "1KEY=x\n", "K=\"unclosed\n", "K=one\nK=two\n", "K=\n", "K='a' trailing\n"] {
            let file = box.file("bad.env")
            try bad.write(toFile: file, atomically: true, encoding: .utf8)
            let run = box.run(["import", "--dotenv", file, "--grant", "*:*:r", "--expires-in", "9d"])
            #expect(run.status == 2 && run.err.contains("line ") && !run.err.contains("unclosed") && !run.err.contains("one"), "\(bad): \(run.err)")
        }
        #expect(box.run(["get", "A_TOKEN"]).status == 3)
    }
}
