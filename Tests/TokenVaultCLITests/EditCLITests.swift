import Foundation
import Testing

/// `tokenvault edit NAME` through the real binary.
@Suite("Edit through the real binary")
struct EditCLITests {
    @Test func editChangesWhatItIsToldAndRefusesTheRest() throws {
        let box = try Sandbox()
        #expect(box.run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "180d", "--issuer", "xentral"], input: "erp-secret").status == 0)
        let edited = box.run(["edit", "erp", "--expires-in", "90d", "--grant", "shop:items:cr", "--remove-grant", "shop:orders", "--json"])
        #expect(edited.status == 0, "\(edited.err)")
        #expect(edited.out.contains("\"grants\":[\"shop:items:cr\"]"), "\(edited.out)")
        #expect(box.run(["get", "erp", "--project", "shop", "--resource", "items", "--permission", "c"]).out == "erp-secret")
        #expect(box.run(["get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"]).status == 4)
        #expect(box.run(["audit", "--action", "edit", "--json"]).out.contains("changed expires "))

        let refused: [([String], Int32)] = [
            (["edit", "erp"], 2), (["edit", "erp", "--expires", "2001-01-01"], 2), (["edit", "erp", "--remove-grant", "shop:items"], 2),
            (["edit", "erp", "--expires-in", "1d", "--never-expires"], 2), (["edit", "erp", "--grant", "bad"], 2),
            (["edit", "nope", "--issuer", "x"], 3),
        ]
        for (arguments, status) in refused {
            let run = box.run(arguments)
            #expect(run.status == status && run.err.hasPrefix("tokenvault: error: ") && run.out.isEmpty, "\(arguments): \(run.err)")
        }
        // Through a service: refused, it works on the file.
        #expect(box.run(["edit", "erp", "--issuer", "x"], environment: ["TOKENVAULT_ADDR": box.file("s.sock")]).status == 2)
        #expect(box.run(["audit", "verify"]).status == 0)
    }
}
