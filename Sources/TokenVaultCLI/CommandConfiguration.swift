/// What a command's help, man page section and completion show, besides its option table:
/// its name, abstract, discussion, positional arguments, examples and exit codes.
///
/// ```swift
/// static let configuration = CommandConfiguration(
///     name: "show",
///     abstract: "Show a credential's details, versions, name history and last use",
///     arguments: [.name],
///     examples: ["tokenvault show erp-prod --json"],
///     exitCodes: [.ok("the details were printed"), .code(3, "no such credential")]
/// )
/// ```
struct CommandConfiguration: Sendable {
    /// The command's words: `get`, or `audit verify`.
    let name: String
    /// One line: what the command does.
    let abstract: String
    /// More paragraphs of help, wrapped by hand at about 95 columns.
    var discussion: String = ""
    /// The positional arguments, in order.
    var arguments: [Positional] = []
    /// What follows `--`, for a command that runs another (`exec`).
    var passthrough: Positional?
    /// Complete command lines.
    var examples: [String] = []
    /// The codes specific to the command, in the order help lists them.
    var exitCodes: [ExitCodeHelp] = []
    /// Whether the command opens an existing vault, and so may also end with the codes every
    /// such command may (no vault, wrong key, integrity failure, busy).
    var opensVault = true
    /// For a command whose exit status a monitor reads (`expiring`): the status of every
    /// failure, whatever its kind (3, UNKNOWN in the monitoring plugins' convention), so that
    /// the statuses the command itself returns keep one meaning each. Nil: each kind's own.
    var failureStatus: ExitStatus?
    /// Whether help adds the codes every vault-opening command may end with: not for a command
    /// whose every failure has one status (``failureStatus``).
    var listsVaultExitCodes: Bool { opensVault && failureStatus == nil }

    /// What the command does with a service's address (`--server`, `TOKENVAULT_ADDR`).
    var withServer: ServerUse = .refused

    /// How a command runs when a service's address is given.
    enum ServerUse: Sendable {
        /// Through the service, as a client (``CommandContext/access()``): no key, no vault file.
        case client
        /// As without one: the command opens no vault (completion, man).
        case ignored
        /// Refused with a usage error: the command works on the vault file itself.
        case refused
    }

    /// How many positional arguments the command takes.
    var positionalCount: ClosedRange<Int> {
        let required = arguments.filter { !$0.isOptional }.count
        return required...(arguments.contains { $0.isVariadic } ? 10_000 : arguments.count)
    }
}

/// A positional argument, as help and completion show it.
struct Positional: Sendable {
    /// The placeholder in help (`NAME`).
    let name: String
    /// One line of help.
    let help: String
    /// Whether it may be left out.
    var isOptional = false
    /// Whether it may be given many times (`scan PATH...`).
    var isVariadic = false
    /// What a shell may offer for it.
    var completion: Completion = .none

    /// The name of a credential.
    static let credential = Positional(name: "NAME", help: "The credential's name")

    /// `<NAME>`, `[<NAME>]`, `<PATH> ...`.
    var usage: String {
        let word = "<\(name)>" + (isVariadic ? " ..." : "")
        return isOptional ? "[\(word)]" : word
    }
}

/// One line of a command's EXIT CODES.
struct ExitCodeHelp: Sendable {
    /// The code, or codes (`0`, `1`, `127`).
    let code: String
    /// What it means for this command.
    let meaning: String

    /// One code and its meaning.
    static func code(_ code: Int32, _ meaning: String) -> ExitCodeHelp {
        ExitCodeHelp(code: String(code), meaning: meaning)
    }

    /// Success, described for the command.
    static func ok(_ meaning: String) -> ExitCodeHelp { .code(0, meaning) }

    /// A usage error, with what counts as one for the command.
    static func usage(_ meaning: String) -> ExitCodeHelp { .code(2, "usage error: " + meaning) }
}
