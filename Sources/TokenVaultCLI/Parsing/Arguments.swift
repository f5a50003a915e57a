import TokenVault

/// One parsed command line: the command's options, the global options, the positional
/// arguments, and what follows `--` for a command that runs another (`exec`).
///
/// A command reads its options by the keys of its own table:
///
/// ```swift
/// static func run(_ arguments: Arguments<Option>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
///     let name = arguments.positionals[0]
///     let version = try arguments.versionNumber(.version)
///     …
/// }
/// ```
struct Arguments<Option: OptionKey> {
    /// The command's own options.
    var options = OptionValues<Option>()
    /// The global options, wherever they were given.
    var global = OptionValues<GlobalOption>()
    /// The words that are not options, in order.
    var positionals: [String] = []
    /// The words after `--`, for a command that allows them; nil when there was no `--`.
    var passthrough: [String]?

    /// The value of one of the command's options, or nil when it was not given.
    subscript(key: Option) -> String? { options[key] }

    /// Every value given to one of the command's repeatable options.
    func all(_ key: Option) -> [String] { options.all(key) }

    /// Whether one of the command's options was given.
    func contains(_ key: Option) -> Bool { options.contains(key) }

    /// A secret version number (`--version N`), or nil when the option was not given.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when the value is not a positive whole number.
    func versionNumber(_ key: Option) throws(VaultError) -> Int? {
        guard let text = self[key] else { return nil }
        guard let number = Int(text), number >= 1 else {
            throw VaultError(.invalidInput, "invalid --\(key.name) '\(Table.clean(text))': use a version number")
        }
        return number
    }
}

extension VaultError {
    /// A usage error (exit 2) with a hint that points at the command's help.
    ///
    /// ```swift
    /// throw .usage("test needs --hook CMD", command: "test")
    /// ```
    static func usage(_ message: String, command: String) -> VaultError {
        VaultError(.invalidInput, message, hint: "see `tokenvault \(command) --help`")
    }
}
