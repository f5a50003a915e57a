/// What the completion scripts offer, gathered from the commands' tables: the words that may
/// start a command, the two-word commands under them, each command's options and arguments,
/// and the global options.
struct CompletionTree {
    /// One command, as a script completes it.
    struct Command {
        /// Its full name (`audit verify`).
        let name: String
        /// Its abstract, for shells that show descriptions.
        let abstract: String
        /// Its own options.
        let options: [DeclaredOption]
        /// What its positional arguments (or what follows `--`) complete to.
        let argumentCompletion: Completion
    }

    /// Every command, in help order.
    let commands: [Command]
    /// The options every command accepts.
    let globalOptions = GlobalOption.declared
    /// The options given without a command (`--version`).
    let topLevelOptions = TopLevelOption.declared

    /// The tree of every command in ``allCommands``, and `help`.
    init() {
        commands =
            allCommands.map { type in
                let configuration = type.configuration
                let argument = configuration.arguments.first ?? configuration.passthrough
                return Command(
                    name: configuration.name, abstract: configuration.abstract, options: type.options,
                    argumentCompletion: argument?.completion ?? .none
                )
            } + [
                Command(
                    name: "help", abstract: "Show the overview, or a command's help", options: [],
                    argumentCompletion: .choices(Self.firstWords(of: allCommands.map { $0.configuration.name }))
                )
            ]
    }

    /// The words that may start a command, each once, in help order.
    var firstWords: [String] { Self.firstWords(of: commands.map(\.name)) }

    /// The two-word commands by their first word: `audit` → `audit verify`, `audit seal`.
    var subcommands: [(parent: String, children: [Command])] {
        firstWords.compactMap { word in
            let children = commands.filter { $0.name.hasPrefix(word + " ") }
            return children.isEmpty ? nil : (word, children)
        }
    }

    /// The command called `name`, if any.
    func command(_ name: String) -> Command? { commands.first { $0.name == name } }

    /// The second word of a two-word command's name (`verify` of `audit verify`).
    static func lastWord(_ name: String) -> String {
        String(name.split(separator: " ").last ?? Substring(name))
    }

    private static func firstWords(of names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.compactMap { name in
            let word = String(name.split(separator: " ").first ?? Substring(name))
            return seen.insert(word).inserted ? word : nil
        }
    }
}
