/// How one option is written and what it means: whether it takes a value, the value's name,
/// its help, its other names, and what a shell may complete for its value.
///
/// Every case of an option table returns one (see ``OptionKey``):
///
/// ```swift
/// case .grant: .repeated("P:R:crud", "A grant; * is a wildcard")
/// case .legacy: .flag("Legacy token: unlimited rights (*:*:crud), never expires")
/// case .state: .value("STATE", "Only active, expired or revoked credentials", completion: .choices(["active", "expired", "revoked"]))
/// ```
struct OptionSpec: Sendable {
    /// Whether an option stands alone or takes a value, and how often it may be given.
    enum Kind: Sendable, Equatable {
        /// `--json`: no value; giving it twice is the same as once.
        case flag
        /// `--vault PATH` or `--vault=PATH`, at most once.
        case value
        /// `--grant P:R:crud`, as many times as wanted.
        case repeated
    }

    /// Whether the option takes a value, once or repeatedly.
    let kind: Kind
    /// The value's placeholder in help (`PATH`, `DURATION`); empty for a flag.
    let valueName: String
    /// One line of help.
    let help: String
    /// Other long names that mean the same option, without `--` (`permissions` for `permission`).
    var aliases: [String] = []
    /// A one-letter name, as `h` for `-h`.
    var shortName: Character?
    /// What a shell may offer for the value.
    var completion: Completion = .none
    /// The environment variable used when the option is not given (global options only).
    var environmentVariable: String?

    /// An option without a value.
    static func flag(_ help: String, shortName: Character? = nil) -> OptionSpec {
        OptionSpec(kind: .flag, valueName: "", help: help, shortName: shortName)
    }

    /// An option with a value, given at most once. A value named `PATH` or `FILE` completes
    /// file names unless `completion` says otherwise.
    static func value(
        _ valueName: String, _ help: String, aliases: [String] = [], completion: Completion? = nil,
        environment: String? = nil
    ) -> OptionSpec {
        OptionSpec(
            kind: .value, valueName: valueName, help: help, aliases: aliases,
            completion: completion ?? Completion.guessed(from: valueName), environmentVariable: environment
        )
    }

    /// An option with a value that may be given many times.
    static func repeated(_ valueName: String, _ help: String, completion: Completion? = nil) -> OptionSpec {
        OptionSpec(kind: .repeated, valueName: valueName, help: help, completion: completion ?? Completion.guessed(from: valueName))
    }

    /// Whether the option is followed by a value.
    var takesValue: Bool { kind != .flag }
}

/// What a shell may offer for an option's value or a positional argument.
enum Completion: Sendable, Equatable {
    /// Nothing: free text such as a name, a duration or a shell command.
    case none
    /// File and folder names.
    case file
    /// One of a few fixed words.
    case choices([String])

    /// `.file` for a value named `PATH` or `FILE`, else `.none`.
    static func guessed(from valueName: String) -> Completion {
        valueName == "PATH" || valueName == "FILE" ? .file : .none
    }
}
