import Foundation
import Testing

/// `tokenvault backup PATH` through the real binary.
@Suite("Backup through the real binary")
struct BackupCLITests {
    @Test func aBackupOpensAsTheVaultAndRefusalsHaveTheirExitCodes() throws {
        let box = try Sandbox()
        #expect(box.run(["add", "erp", "--grant", "*:*:r", "--expires-in", "30d"], input: "erp-secret").status == 0)
        let copy = box.file("copy.db")
        let made = box.run(["backup", copy, "--json"])
        #expect(made.status == 0, "\(made.err)")
        #expect(made.out.contains("\"events_checked\":3") && made.out.contains("\"credentials_checked\":1"))
        let fromCopy = box.run(["get", "erp"], environment: ["TOKENVAULT_PATH": copy])
        #expect(fromCopy.status == 0 && fromCopy.out == "erp-secret")

        let taken = box.run(["backup", copy])
        #expect(taken.status == 2 && taken.err.contains("already exists") && taken.out.isEmpty)
        let nowhere = box.run(["backup", box.file("missing/copy.db")])
        #expect(nowhere.status == 1 && nowhere.err.hasPrefix("tokenvault: error: "))
        let wrongKey = box.file("other.key")
        #expect(box.run(["keygen", wrongKey]).status == 0)
        #expect(box.run(["backup", box.file("x.db")], environment: ["TOKENVAULT_KEY_FILE": wrongKey]).status == 5)
        #expect(!FileManager.default.fileExists(atPath: box.file("x.db")))
        let noVault = box.run(["backup", box.file("y.db")], environment: ["TOKENVAULT_PATH": box.file("none.db")])
        #expect(noVault.status == 3)
        // A file command: refused through a service.
        let remote = box.run(["backup", box.file("z.db")], environment: ["TOKENVAULT_ADDR": box.file("s.sock")])
        #expect(remote.status == 2)
    }
}
