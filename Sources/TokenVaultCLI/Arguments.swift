import TokenVault

/// One option a command accepts.
struct OptionSpec: Sendable {
    enum Arity: Sendable { case flag, single, repeated }

    let name: String
    let arity: Arity
    let valueName: String
    let help: String

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, arity: .flag, valueName: "", help: help)
    }

    static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, arity: .single, valueName: valueName, help: help)
    }

    static func repeated(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, arity: .repeated, valueName: valueName, help: help)
    }
}

/// The parsed command line: options by name, positional arguments, and what follows `--`.
struct ParsedArguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    private(set) var passthrough: [String]?

    func value(_ name: String) -> String? { values[name]?.last }
    func values(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
    func has(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

    /// Parses `arguments` against `specs`: `--flag`, `--name value`, `--name=value`, `-h`,
    /// and `--` (everything after it is passed through untouched, when `allowPassthrough`).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an unknown option, a missing value,
    ///   a value given to a flag, or an option repeated that may appear once.
    static func parse(
        _ arguments: [String],
        specs: [OptionSpec],
        command: String,
        allowPassthrough: Bool = false
    ) throws(VaultError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                guard allowPassthrough else {
                    parsed.positionals += arguments[index...]
                    break
                }
                parsed.passthrough = Array(arguments[index...])
                break
            }
            if argument == "-h" {
                parsed.flags.insert("help")
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                if argument.hasPrefix("-") && argument != "-" {
                    throw usageError("unknown option '\(argument)'", command: command)
                }
                parsed.positionals.append(argument)
                continue
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw usageError("unknown option '--\(name)'", command: command)
            }
            switch spec.arity {
            case .flag:
                guard inline == nil else { throw usageError("option '--\(name)' takes no value", command: command) }
                parsed.flags.insert(name)
            case .single, .repeated:
                let value: String
                if let inline {
                    value = inline
                } else {
                    guard index < arguments.count else {
                        throw usageError("option '--\(name)' needs a value (\(spec.valueName))", command: command)
                    }
                    value = arguments[index]
                    index += 1
                }
                if spec.arity == .single, parsed.values[name] != nil {
                    throw usageError("option '--\(name)' given twice", command: command)
                }
                parsed.values[name, default: []].append(value)
            }
        }
        return parsed
    }

    /// `--version N`: a secret version number, or nil when not given.
    func versionNumber() throws(VaultError) -> Int? {
        guard let text = value("version") else { return nil }
        guard let number = Int(text), number >= 1 else {
            throw VaultError(.invalidInput, "invalid --version '\(Table.clean(text))': use a version number")
        }
        return number
    }

    static func usageError(_ message: String, command: String) -> VaultError {
        VaultError(.invalidInput, message, hint: "see `tokenvault \(command) --help`")
    }
}
