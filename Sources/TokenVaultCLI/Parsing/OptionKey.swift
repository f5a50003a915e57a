/// The keys of one option table: a command's options, or the global ones.
///
/// A command declares its table as a nested enum, and reads what was given only through its
/// own keys, so a misspelt option does not compile:
///
/// ```swift
/// enum Option: String, OptionKey {
///     case kdfN = "kdf-n"
///
///     var spec: OptionSpec {
///         switch self {
///         case .kdfN: .value("N", "scrypt cost N for a passphrase vault")
///         }
///     }
/// }
///
/// if let text = arguments[.kdfN] { cost.n = try parseKDFN(text) }
/// ```
///
/// Parsing, `--help`, the shell completion scripts and the man page are all made from these
/// tables.
protocol OptionKey: CaseIterable, Hashable, Sendable {
    /// The long name, without `--` (`kdf-n`).
    var name: String { get }
    /// How the option is written and what it means.
    var spec: OptionSpec { get }
}

extension OptionKey where Self: RawRepresentable, RawValue == String {
    /// The raw value is the long name.
    var name: String { rawValue }
}

extension OptionKey {
    /// Every option of the table, in the order it declares them.
    static var declared: [DeclaredOption] {
        allCases.map { DeclaredOption(name: $0.name, spec: $0.spec) }
    }

    /// The option whose long name, or one of its aliases, is `name` (given without `--`).
    static func named(_ name: String) -> Self? {
        allCases.first { $0.name == name || $0.spec.aliases.contains(name) }
    }

    /// The option whose one-letter name is `letter`.
    static func short(_ letter: Character) -> Self? {
        allCases.first { $0.spec.shortName == letter }
    }
}

/// An option with its name, as help, the completion scripts and the man page show it.
struct DeclaredOption: Sendable {
    /// The long name, without `--`.
    let name: String
    /// How it is written and what it means.
    let spec: OptionSpec

    /// Every spelling a command line may use: `--name`, the aliases, and `-x`.
    var spellings: [String] {
        (spec.shortName.map { ["-\($0)"] } ?? []) + ([name] + spec.aliases).map { "--" + $0 }
    }

    /// `--name <VALUE>`, with its other names first: `-h, --help`,
    /// `--permission, --permissions <crud>`.
    var label: String {
        spellings.joined(separator: ", ") + (spec.takesValue ? " <\(spec.valueName)>" : "")
    }
}

/// The option table of a command that takes no options of its own.
enum NoOptions: OptionKey {
    var name: String { switch self {} }
    var spec: OptionSpec { switch self {} }
}
