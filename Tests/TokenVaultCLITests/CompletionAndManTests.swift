import Foundation
import Testing

@testable import TokenVaultCLI

/// `tokenvault completion` and `tokenvault man` through the real binary, checked by the real
/// shells and groff when they are installed.
@Suite("Completion scripts and the man page")
struct CompletionAndManTests {
    /// Every word that starts a command, and every command's full name.
    static let commandNames = allCommands.map { $0.configuration.name }

    /// The full path of `program` in the usual places, or nil when it is not installed.
    static func installed(_ program: String) -> String? {
        ["/usr/bin/", "/bin/", "/usr/local/bin/"].map { $0 + program }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `program ARGS` with `input` on standard input.
    static func run(_ program: String, _ arguments: [String], input: String = "") -> Run {
        Sandbox.execute(program, arguments, input: Array(input.utf8), environment: ["PATH": "/usr/bin:/bin", "HOME": "/tmp"])
    }

    /// Writes `text` to a new temporary file and returns its path.
    static func temporaryFile(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokenvault-completion-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What bash's completion function offers for the words of `line` (the last one being completed).
    func bashCompletions(_ script: String, _ words: [String]) throws -> [String] {
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let program = """
            source "$1"
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            _tokenvault
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let bash = try #require(Self.installed("bash"))
        let run = Self.run(bash, ["-c", program, "bash", script])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.isEmpty, "\(run.err)")
        return run.out.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesCommandsOptionsAndValues() throws {
        let box = try Sandbox(initialize: false)
        let printed = box.run(["completion", "bash"])
        #expect(printed.status == 0)
        #expect(printed.err.isEmpty)
        let script = try Self.temporaryFile(printed.out, name: "tokenvault.bash")
        #expect(try bashCompletions(script, ["tokenvault", "ro"]) == ["rotate", "rotate-data-key"])
        #expect(try bashCompletions(script, ["tokenvault", "rotate", "--gr"]) == ["--grace"])
        #expect(try bashCompletions(script, ["tokenvault", "audit", ""]) == ["verify", "seal"])
        #expect(try bashCompletions(script, ["tokenvault", "audit", "verify", "--pub"]) == ["--public-key"])
        #expect(try bashCompletions(script, ["tokenvault", "--vault", "v.db", "--json", "che"]) == ["check-endpoint"])
        #expect(try bashCompletions(script, ["tokenvault", "get", "erp", "--perm"]) == ["--permission", "--permissions"])
        #expect(try bashCompletions(script, ["tokenvault", "list", "--bus"]) == ["--busy-timeout"])
        #expect(try bashCompletions(script, ["tokenvault", "list", "--state", ""]) == ["active", "expired", "revoked"])
        #expect(try bashCompletions(script, ["tokenvault", "completion", "z"]) == ["zsh"])
        #expect(try bashCompletions(script, ["tokenvault", "--ver"]) == ["--version"])
        #expect(try bashCompletions(script, ["tokenvault", "rotate", "--hook", ""]).isEmpty)
        let every = try bashCompletions(script, ["tokenvault", ""])
        for name in Self.commandNames where !name.contains(" ") { #expect(every.contains(name), "\(name)") }
    }

    @Test(arguments: ["zsh", "fish"])
    func zshAndFishScriptsNameEveryCommandAndOption(_ shell: String) throws {
        let box = try Sandbox(initialize: false)
        let printed = box.run(["completion", shell])
        #expect(printed.status == 0)
        #expect(printed.err.isEmpty)
        let script = printed.out
        #expect(script.hasPrefix(shell == "zsh" ? "#compdef tokenvault\n" : "# fish completion for tokenvault"))
        for name in Self.commandNames { #expect(script.contains("'\(name)"), "\(name)") }
        for type in allCommands {
            for option in type.options { #expect(script.contains(option.name), "\(type.configuration.name) --\(option.name)") }
        }
        for option in GlobalOption.declared { #expect(script.contains(option.name), "--\(option.name)") }
    }

    @Test(.enabled(if: installed("zsh") != nil, "zsh is not installed: the zsh script's syntax is not checked"))
    func theZshScriptParses() throws {
        let script = try Self.temporaryFile(try Sandbox(initialize: false).run(["completion", "zsh"]).out, name: "_tokenvault")
        let checked = Self.run(try #require(Self.installed("zsh")), ["-n", script])
        #expect(checked.status == 0, "\(checked.err)")
    }

    @Test(.enabled(if: installed("fish") != nil, "fish is not installed: the fish script is not checked"))
    func theFishScriptParsesAndCompletes() throws {
        let script = try Self.temporaryFile(try Sandbox(initialize: false).run(["completion", "fish"]).out, name: "tokenvault.fish")
        let fish = try #require(Self.installed("fish"))
        let checked = Self.run(fish, ["-n", script])
        #expect(checked.status == 0, "\(checked.err)")
        let completed = Self.run(fish, ["-c", "source $argv[1]; complete -C 'tokenvault ro'", script])
        #expect(completed.out.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) } == ["rotate", "rotate-data-key"])
    }

    @Test func theManPageHasEverySectionCommandAndOption() throws {
        let run = try Sandbox(initialize: false).run(["man"])
        #expect(run.status == 0)
        #expect(run.err.isEmpty)
        let page = run.out
        #expect(page.hasPrefix(".TH TOKENVAULT 1 "))
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS", "ENVIRONMENT", "EXIT STATUS", "FILES", "EXAMPLES"] {
            #expect(page.contains("\n.SH \(section)\n"), "\(section)")
        }
        for type in allCommands {
            #expect(page.contains("\n.SS " + Roff.escape(type.configuration.name) + "\n"), "\(type.configuration.name)")
            for option in type.options { #expect(page.contains(Roff.bold("--" + option.name)), "--\(option.name)") }
        }
        for option in GlobalOption.declared + TopLevelOption.declared { #expect(page.contains(Roff.bold("--" + option.name))) }
        for variable in ["TOKENVAULT_PATH", "TOKENVAULT_KEY_FILE", "TOKENVAULT_PASSPHRASE_FILE", "TOKENVAULT_ACTOR"] {
            #expect(page.contains(".B \(variable)\n"), "\(variable)")
        }
        #expect(!page.contains("docs/"))
        #expect(page.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test(.enabled(if: installed("groff") != nil, "groff is not installed: the man page is not rendered"))
    func theManPageRendersWithoutWarnings() throws {
        let page = try Self.temporaryFile(try Sandbox(initialize: false).run(["man"]).out, name: "tokenvault.1")
        let groff = try #require(Self.installed("groff"))
        let checked = Self.run(groff, ["-man", "-ww", "-z", "-Tutf8", page])
        #expect(checked.status == 0)
        #expect(checked.err.isEmpty, "\(checked.err)")
        let rendered = Self.run(groff, ["-man", "-Tutf8", page])
        #expect(rendered.err.isEmpty, "\(rendered.err)")
        #expect(rendered.out.contains("rotate-data-key"))
    }

    @Test func bothCommandsHaveHelpAndRefuseBadArguments() throws {
        let box = try Sandbox(initialize: false)
        for command in ["completion", "man"] {
            let help = box.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.out.hasPrefix("OVERVIEW: "))
        }
        let unknown = box.run(["completion", "tcsh"])
        #expect(unknown.status == 2)
        #expect(unknown.out.isEmpty)
        #expect(unknown.err == "tokenvault: error: unknown shell 'tcsh': use bash, zsh or fish\nhint: see `tokenvault completion --help`\n")
        #expect(box.run(["completion"]).status == 2)
        #expect(box.run(["completion", "bash", "zsh"]).status == 2)
        #expect(box.run(["man", "extra"]).status == 2)
        #expect(box.run(["man", "--bogus"]).status == 2)
        // No vault is needed, nor any key.
        let bare = box.run(["man"], environment: ["TOKENVAULT_PATH": box.file("none.db"), "TOKENVAULT_KEY_FILE": ""])
        #expect(bare.status == 0)
    }
}
