import TokenVault

/// Parses the words of a command line (without the command's own words) against a command's
/// option table and the global one.
///
/// - `--name value` and `--name=value`; an alias (`--permissions`) counts as its option.
/// - `-h` is `--help`; any other word starting with `-` (but `-` alone) is an option.
/// - A value option given twice is refused; a repeatable one collects every value; a flag
///   given twice is the same as once.
/// - `--` ends the options: what follows is positional, or, for a command that runs another
///   (`exec`), passed through untouched.
/// - A name both tables declare (`audit --actor`) sets both.
///
/// ```swift
/// let parser = CommandLineParser<GetCommand.Option>(command: "get")
/// let arguments = try parser.parse(["erp", "--permission=r", "--json"])
/// arguments[.permission]            // "r"
/// arguments.global.contains(.json)  // true
/// ```
struct CommandLineParser<Option: OptionKey> {
    /// The command's words, for error hints (`see tokenvault get --help`).
    let command: String
    /// Whether the words after `--` are passed through (`exec`) rather than positional.
    var allowsPassthrough = false

    /// Parses `words`.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an unknown option (with the nearest known
    ///   one as a suggestion), a value option without its value, a value given to a flag, or a
    ///   value option given twice.
    func parse(_ words: [String]) throws(VaultError) -> Arguments<Option> {
        var parsed = Arguments<Option>()
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" {
                if allowsPassthrough {
                    parsed.passthrough = Array(words[index...])
                } else {
                    parsed.positionals += words[index...]
                }
                break
            }
            guard word.hasPrefix("-"), word != "-" else {
                parsed.positionals.append(word)
                continue
            }
            let (written, inline) = split(word)
            let (local, global, spec) = try lookUp(written)
            var value: String?
            if spec.takesValue {
                if let inline {
                    value = inline
                } else {
                    guard index < words.count else {
                        throw .usage("option '\(written)' needs a value (\(spec.valueName))", command: command)
                    }
                    value = words[index]
                    index += 1
                }
            } else if inline != nil {
                throw .usage("option '\(written)' takes no value", command: command)
            }
            if spec.kind == .value,
                local.map({ parsed.options.contains($0) }) ?? global.map({ parsed.global.contains($0) }) ?? false
            {
                throw .usage("option '\(written)' given twice", command: command)
            }
            if let local { parsed.options.record(local, value: value) }
            if let global { parsed.global.record(global, value: value) }
        }
        return parsed
    }

    /// `--name=value` → (`--name`, `value`); `--name` → (`--name`, nil). A one-dash word is
    /// never split.
    private func split(_ word: String) -> (written: String, inline: String?) {
        guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }

    /// The command's option and the global option spelt `written` (at least one of them), and
    /// how it is written: the command's spec when both tables declare the name.
    private func lookUp(_ written: String) throws(VaultError) -> (Option?, GlobalOption?, OptionSpec) {
        var local: Option?
        var global: GlobalOption?
        if written.hasPrefix("--") {
            let name = String(written.dropFirst(2))
            (local, global) = (Option.named(name), GlobalOption.named(name))
        } else if written.count == 2, let letter = written.last {
            (local, global) = (Option.short(letter), GlobalOption.short(letter))
        }
        guard let spec = local?.spec ?? global?.spec else {
            throw .usage(Self.unknownOption(written, known: Option.declared + GlobalOption.declared), command: command)
        }
        return (local, global, spec)
    }

    /// "unknown option '--expire-in'; did you mean '--expires-in'?", or without the question
    /// when nothing is near.
    static func unknownOption(_ written: String, known: [DeclaredOption]) -> String {
        let message = "unknown option '\(Table.clean(written))'"
        let spellings = known.flatMap(\.spellings)
        let bare = { (text: String) in String(text.drop { $0 == "-" }) }
        guard let near = Suggestion.nearest(to: bare(written), among: spellings.map(bare)),
            let spelling = spellings.first(where: { bare($0) == near })
        else { return message }
        return message + "; did you mean '\(spelling)'?"
    }
}
