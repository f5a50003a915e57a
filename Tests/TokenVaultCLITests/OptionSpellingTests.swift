import Testing

/// The `--permissions` alias and the "did you mean" suggestions, through the real binary.
@Suite("Option spellings through the real binary")
struct OptionSpellingTests {
    @Test func getAndVerifyAcceptPermissionsAsAnAliasOfPermission() throws {
        let box = try Sandbox()
        #expect(box.run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "90d"], input: "s3cret").status == 0)
        #expect(box.run(["get", "erp", "--project", "shop", "--permissions", "r"]).out == "s3cret")
        #expect(box.run(["get", "erp", "--permissions=c"]).status == 4)
        let issued = box.run(["issue", "svc", "--grant", "api:*:r", "--expires-in", "30d"])
        #expect(box.run(["verify", "--project", "api", "--permissions", "r"], input: issued.out).status == 0)
        #expect(box.run(["verify", "--permissions", "d"], input: issued.out).status == 4)
        let twice = box.run(["get", "erp", "--permission", "r", "--permissions", "r"])
        #expect(twice.status == 2)
        #expect(twice.err.hasPrefix("tokenvault: error: option '--permissions' given twice\n"))
        // The audit trail records the need the same way, whichever spelling was used.
        let fetches = box.run(["audit", "--action", "fetch", "--format", "csv"]).out
        #expect(fetches.contains(",shop,,r,ok,"))
    }

    @Test func anUnknownOptionOrCommandNamesTheNearestOne() throws {
        let box = try Sandbox()
        let option = box.run(["add", "erp", "--grant", "a:b:r", "--expire-in", "3d"])
        #expect(option.status == 2)
        #expect(option.out.isEmpty)
        #expect(option.err == "tokenvault: error: unknown option '--expire-in'; did you mean '--expires-in'?\nhint: see `tokenvault add --help`\n")
        let command = box.run(["rotat", "erp"])
        #expect(command.status == 2)
        #expect(command.err == "tokenvault: error: unknown command 'rotat'; did you mean 'rotate'?\nhint: see `tokenvault --help`\n")
        #expect(box.run(["list", "--json=1"]).err.hasPrefix("tokenvault: error: option '--json' takes no value\n"))
    }
}
