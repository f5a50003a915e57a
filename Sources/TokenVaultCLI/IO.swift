public import TokenVault
internal import TokenVaultSystem

/// Where a command reads and writes. The real binary uses ``StandardIO``; tests may run
/// commands in-process with ``CapturedIO``.
public protocol CommandIO: AnyObject {
    /// Writes to standard output.
    func writeOut(_ bytes: UnsafeRawBufferPointer)
    /// Writes to standard error.
    func writeError(_ bytes: UnsafeRawBufferPointer)
    /// Reads the whole of standard input as a secret (tokens, passphrases).
    func readSecretFromStandardInput() throws(VaultError) -> Secret
    /// Whether standard input is a terminal (then secrets are prompted for, without echo).
    var standardInputIsTerminal: Bool { get }
    /// Whether standard output is a terminal.
    var standardOutputIsTerminal: Bool { get }
    /// The process environment.
    var environment: [String: String] { get }
}

extension CommandIO {
    func out(_ text: String) {
        var text = text
        text.withUTF8 { writeOut(UnsafeRawBufferPointer($0)) }
    }

    func err(_ text: String) {
        var text = text
        text.withUTF8 { writeError(UnsafeRawBufferPointer($0)) }
    }
}

/// The process's own file descriptors and environment.
public final class StandardIO: CommandIO {
    public let environment: [String: String]

    public init() {
        environment = ProcessImage.environment
    }

    public func writeOut(_ bytes: UnsafeRawBufferPointer) { Self.writeAll(1, bytes) }
    public func writeError(_ bytes: UnsafeRawBufferPointer) { Self.writeAll(2, bytes) }

    public func readSecretFromStandardInput() throws(VaultError) -> Secret {
        try Secret.read(fromFileDescriptor: 0)
    }

    public var standardInputIsTerminal: Bool { ProcessImage.isTerminal(0) }
    public var standardOutputIsTerminal: Bool { ProcessImage.isTerminal(1) }

    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) {
        Files.writeAll(descriptor, bytes)
    }
}

/// Captured output and a given standard input, for in-process tests.
public final class CapturedIO: CommandIO {
    public private(set) var output: [UInt8] = []
    public private(set) var errorOutput: [UInt8] = []
    public let environment: [String: String]
    private let input: [UInt8]
    public let standardInputIsTerminal = false
    public let standardOutputIsTerminal = false

    public init(input: [UInt8] = [], environment: [String: String] = [:]) {
        self.input = input
        self.environment = environment
    }

    public var outputText: String { String(decoding: output, as: UTF8.self) }
    public var errorText: String { String(decoding: errorOutput, as: UTF8.self) }

    public func writeOut(_ bytes: UnsafeRawBufferPointer) { output += bytes }
    public func writeError(_ bytes: UnsafeRawBufferPointer) { errorOutput += bytes }

    public func readSecretFromStandardInput() throws(VaultError) -> Secret {
        var trimmed = input[...]
        if trimmed.last == UInt8(ascii: "\n") { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { throw VaultError(.invalidInput, "the secret is empty") }
        return Secret(copying: trimmed)
    }
}
