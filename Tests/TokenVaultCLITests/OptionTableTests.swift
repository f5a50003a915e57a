import Foundation
import Testing

@testable import TokenVaultCLI

/// The option tables themselves: unambiguous names, and help that shows every option.
@Suite("Option tables")
struct OptionTableTests {
    static let commandNames = allCommands.map { $0.configuration.name }

    func command(_ name: String) -> (any VaultCommand.Type)? {
        allCommands.first { $0.configuration.name == name }
    }

    @Test(arguments: commandNames)
    func everySpellingNamesOneOption(_ name: String) throws {
        let type = try #require(command(name))
        let spellings = type.options.flatMap(\.spellings)
        #expect(Set(spellings).count == spellings.count, "\(spellings)")
        // Only `audit --actor` shares a name with a global option (it sets both, as it always did).
        let global = Set(GlobalOption.declared.flatMap(\.spellings))
        let shared = spellings.filter(global.contains)
        #expect(shared == (name == "audit" ? ["--actor"] : []), "\(shared)")
        for option in type.options where global.contains("--" + option.name) {
            #expect(option.spec.kind == GlobalOption.named(option.name)?.spec.kind)
        }
        for option in type.options {
            #expect(!option.spec.help.isEmpty)
            #expect(option.spec.takesValue == !option.spec.valueName.isEmpty, "--\(option.name)")
        }
    }

    @Test(arguments: commandNames)
    func helpShowsTheCommandsOwnOptionsAndExitCodesAndPointsAtTheOverview(_ name: String) throws {
        let type = try #require(command(name))
        let help = Help.command(type)
        #expect(help.hasPrefix("OVERVIEW: \(type.configuration.abstract)\n"))
        #expect(help.contains("USAGE: tokenvault \(name)"))
        for option in type.options {
            #expect(help.contains("  " + option.label), "--\(option.name)")
            #expect(help.contains("[--\(option.name)"), "usage of --\(option.name)")
        }
        #expect(help.contains("-h, --help"))
        // The global options are listed once, in the overview, not in every command's help.
        #expect(!help.contains("--busy-timeout"))
        #expect(!help.contains("--passphrase-file <PATH>"))
        #expect(help.hasSuffix("see `tokenvault --help`.\n"))
        #expect(help.contains("EXIT CODES:\n"))
        #expect(!type.configuration.exitCodes.isEmpty)
        for code in type.configuration.exitCodes { #expect(help.contains(code.code + "  "), "\(code)") }
        // An installed binary has no repository next to it.
        #expect(!help.contains("docs/") && !help.contains(".md") && !help.contains("scripts/"))
    }

    @Test func theOverviewListsTheCommandsGlobalOptionsAndExitCodesOnce() {
        let overview = Help.overview()
        for name in Self.commandNames { #expect(overview.contains("\n  \(name) "), "\(name)") }
        for option in GlobalOption.declared + TopLevelOption.declared {
            #expect(overview.components(separatedBy: "  " + option.label + " ").count == 2, "\(option.label)")
        }
        #expect(overview.components(separatedBy: "EXIT CODES:").count == 2)
        #expect(overview.contains("(env TOKENVAULT_KEY_FILE)"))
        #expect(!overview.contains("docs/"))
    }

    @Test func rotateHelpDescribesTheHookOptionsAndTheCronMode() throws {
        let help = Help.command(RotateCommand.self)
        #expect(help.contains("--hook-timeout <DURATION>"))
        #expect(help.contains("--discard-pending"))
        let expiresIn = help.split(separator: "\n").first { $0.hasPrefix("  --expires-in <DURATION>") }
        #expect(expiresIn?.hasSuffix("The new version's expiry after DURATION (also in cron mode)") == true)
        #expect(help.contains("TOKENVAULT_STEP"))
        #expect(help.contains("Cron mode, rotate --expiring-within DURATION --hook CMD"))
    }

    @Test func execHelpSaysItReturnsTheChildsStatus() {
        let help = Help.command(ExecCommand.self)
        #expect(help.contains("exec returns the exit status of COMMAND, or 127 when COMMAND cannot be started."))
        #expect(help.contains("127  COMMAND cannot be started"))
        #expect(help.contains("-- <COMMAND> ..."))
    }

    @Test func expiringHelpSeparatesItsMonitorStatusesFromItsFailures() {
        let help = Help.command(ExpiringCommand.self)
        #expect(help.contains("  2  critical: something is expired or expires within --critical"))
        #expect(help.contains("  3  unknown: expiring could not tell"))
        #expect(!help.contains("usage error") && !help.contains("may also end with"))
    }

    @Test(arguments: ["get", "verify", "exec"])
    func needHelpShowsThePermissionsAlias(_ name: String) throws {
        let help = Help.command(try #require(command(name)))
        #expect(help.contains("--permission, --permissions <crud>"))
    }
}
