import Testing
import TokenVault

@testable import TokenVaultCLI

/// The command-line parser, called directly with the commands' own option tables.
@Suite("Command-line parser")
struct ParserTests {
    func parse<Option: OptionKey>(
        _ words: [String], _ table: Option.Type, passthrough: Bool = false
    ) throws(VaultError) -> Arguments<Option> {
        try CommandLineParser<Option>(command: "test-command", allowsPassthrough: passthrough).parse(words)
    }

    /// The message of the usage error `body` throws, or nil when it throws none.
    func usageMessage<Result>(_ body: () throws -> Result) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            let error = error as? VaultError
            #expect(error?.kind == .invalidInput)
            #expect(error?.hint == "see `tokenvault test-command --help`")
            return error?.message
        }
    }

    @Test func bothValueFormsAreRead() throws {
        let spaced = try parse(["--kdf-n", "65536"], InitCommand.Option.self)
        let inline = try parse(["--kdf-n=65536"], InitCommand.Option.self)
        #expect(spaced[.kdfN] == "65536")
        #expect(inline[.kdfN] == "65536")
        // Only the first `=` splits: the value keeps the rest.
        #expect(try parse(["--description=a=b"], CredentialOption.self)[.description] == "a=b")
        #expect(try parse(["--description="], CredentialOption.self)[.description] == "")
    }

    @Test func aValueOptionGivenTwiceIsRefusedARepeatedOneCollects() throws {
        #expect(usageMessage { try parse(["--expires-in", "3d", "--expires-in=4d"], CredentialOption.self) } == "option '--expires-in' given twice")
        #expect(usageMessage { try parse(["--vault", "a", "--vault", "b"], NoOptions.self) } == "option '--vault' given twice")
        let grants = try parse(["--grant", "a:b:r", "--grant=c:d:cr"], CredentialOption.self)
        #expect(grants.all(.grant) == ["a:b:r", "c:d:cr"])
        // A flag given twice is the same as once, as it always was.
        let flags = try parse(["--legacy", "--legacy", "--json", "--json"], CredentialOption.self)
        #expect(flags.contains(.legacy))
        #expect(flags.global.contains(.json))
    }

    @Test func anAliasCountsAsItsOption() throws {
        let arguments = try parse(["--permissions", "r"], GetCommand.Option.self)
        #expect(arguments[.permission] == "r")
        #expect(usageMessage { try parse(["--permission", "r", "--permissions=c"], NeedOption.self) } == "option '--permissions' given twice")
    }

    @Test func aFlagTakesNoValue() {
        #expect(usageMessage { try parse(["--json=1"], NoOptions.self) } == "option '--json' takes no value")
        #expect(usageMessage { try parse(["--yes="], DeleteCommand.Option.self) } == "option '--yes' takes no value")
    }

    @Test func aValueOptionNeedsItsValue() {
        #expect(usageMessage { try parse(["erp", "--version"], GetCommand.Option.self) } == "option '--version' needs a value (N)")
        #expect(usageMessage { try parse(["--vault"], NoOptions.self) } == "option '--vault' needs a value (PATH)")
    }

    @Test func aValueMayLookLikeAnOption() throws {
        // As before: the word after a value option is its value, whatever it looks like.
        #expect(try parse(["--description", "--legacy"], CredentialOption.self)[.description] == "--legacy")
    }

    @Test func anUnknownOptionNamesTheNearestKnownOne() {
        #expect(
            usageMessage { try parse(["x", "--expire-in", "3d"], CredentialOption.self) }
                == "unknown option '--expire-in'; did you mean '--expires-in'?"
        )
        #expect(usageMessage { try parse(["--jsno"], NoOptions.self) } == "unknown option '--jsno'; did you mean '--json'?")
        #expect(usageMessage { try parse(["--vualt=x"], NoOptions.self) } == "unknown option '--vualt'; did you mean '--vault'?")
        #expect(usageMessage { try parse(["--permision", "r"], NeedOption.self) } == "unknown option '--permision'; did you mean '--permission'?")
        #expect(usageMessage { try parse(["-json"], NoOptions.self) } == "unknown option '-json'; did you mean '--json'?")
        #expect(usageMessage { try parse(["--bogus"], ListCommand.Option.self) } == "unknown option '--bogus'")
        #expect(usageMessage { try parse(["-x"], NoOptions.self) } == "unknown option '-x'")
        // Another command's option is unknown here, and the suggestion comes from this table.
        #expect(usageMessage { try parse(["--grace", "1h"], ListCommand.Option.self) } == "unknown option '--grace'")
    }

    @Test func wordsAfterADoubleDashArePositional() throws {
        let arguments = try parse(["erp", "--", "-x", "--json", "--version", "1"], GetCommand.Option.self)
        #expect(arguments.positionals == ["erp", "-x", "--json", "--version", "1"])
        #expect(!arguments.global.contains(.json))
        #expect(arguments[.version] == nil)
        #expect(arguments.passthrough == nil)
        // A lone "-" is a word, not an option.
        #expect(try parse(["-"], NoOptions.self).positionals == ["-"])
    }

    @Test func wordsAfterADoubleDashArePassedThroughForExec() throws {
        let arguments = try parse(
            ["--env", "T=erp", "--json", "--", "./connector", "--env", "x", "--", "-h"], ExecCommand.Option.self, passthrough: true
        )
        #expect(arguments.all(.env) == ["T=erp"])
        #expect(arguments.global.contains(.json))
        #expect(!arguments.global.contains(.help))
        #expect(arguments.passthrough == ["./connector", "--env", "x", "--", "-h"])
        #expect(arguments.positionals.isEmpty)
        #expect(try parse(["--env", "T=erp", "--"], ExecCommand.Option.self, passthrough: true).passthrough == [])
        #expect(try parse(["--env", "T=erp"], ExecCommand.Option.self, passthrough: true).passthrough == nil)
    }

    @Test func dashHIsHelp() throws {
        #expect(try parse(["-h"], NoOptions.self).global.contains(.help))
        #expect(try parse(["erp", "--help"], GetCommand.Option.self).global.contains(.help))
    }

    @Test func aNameBothTablesDeclareSetsBoth() throws {
        // `audit --actor` filters by actor and, as before, is also the acting actor.
        let arguments = try parse(["--actor", "alice"], AuditCommand.Option.self)
        #expect(arguments[.actor] == "alice")
        #expect(arguments.global[.actor] == "alice")
    }

    @Test func globalOptionsBeforeAndAfterTheCommandName() throws {
        let words = ["--vault", "v.db", "--json", "get", "erp", "--key-file=k", "--permission", "r"]
        guard case .command(let command, let range) = try CommandFinder.find(in: words) else {
            Issue.record("no command found")
            return
        }
        #expect(command.configuration.name == "get")
        #expect(range == 3..<4)
        var rest = words
        rest.removeSubrange(range)
        let arguments = try parse(rest, GetCommand.Option.self)
        #expect(arguments.global[.vault] == "v.db")
        #expect(arguments.global[.keyFile] == "k")
        #expect(arguments.global.contains(.json))
        #expect(arguments[.permission] == "r")
        #expect(arguments.positionals == ["erp"])
    }

    @Test func theCommandFinderSkipsGlobalValuesAndFindsTwoWordCommands() throws {
        guard case .command(let command, let range) = try CommandFinder.find(in: ["--actor", "audit", "audit", "verify"]) else {
            Issue.record("no command found")
            return
        }
        #expect(command.configuration.name == "audit verify")
        #expect(range == 2..<4)
        guard case .command(let audit, _) = try CommandFinder.find(in: ["--vault=verify", "audit", "--json"]) else {
            Issue.record("no command found")
            return
        }
        #expect(audit.configuration.name == "audit")
        guard case .none = try CommandFinder.find(in: ["--json", "--", "list"]) else {
            Issue.record("a command after -- was taken")
            return
        }
    }

    @Test func aCommandOptionBeforeTheCommandNameIsRefused() {
        #expect(throws: VaultError(.invalidInput, "unknown option '--grace'", hint: "see `tokenvault --help`")) {
            try CommandFinder.find(in: ["--grace", "1h", "rotate", "erp"])
        }
        #expect(throws: VaultError(.invalidInput, "unknown option '--jsn'; did you mean '--json'?", hint: "see `tokenvault --help`")) {
            try CommandFinder.find(in: ["--jsn=1", "list"])
        }
    }

    @Test func anUnknownCommandNamesTheNearestOne() {
        #expect(throws: VaultError(.invalidInput, "unknown command 'rotat'; did you mean 'rotate'?", hint: "see `tokenvault --help`")) {
            try CommandFinder.find(in: ["rotat", "erp"])
        }
        #expect(throws: VaultError(.invalidInput, "unknown command 'frobnicate'", hint: "see `tokenvault --help`")) {
            try CommandFinder.find(in: ["frobnicate"])
        }
    }

    @Test func editDistance() {
        #expect(Suggestion.editDistance("", "abc") == 3)
        #expect(Suggestion.editDistance("json", "json") == 0)
        #expect(Suggestion.editDistance("jsno", "json") == 1)  // a swap counts once
        #expect(Suggestion.editDistance("expire-in", "expires-in") == 1)
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.nearest(to: "gr", among: ["grace", "grant"]) == nil)
        #expect(Suggestion.nearest(to: "grnat", among: ["grace", "grant"]) == "grant")
    }
}
