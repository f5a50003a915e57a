public import TokenVault

/// The CLI's exit codes, documented in `--help`, `man tokenvault` and docs/cli.md.
public struct ExitStatus: Equatable, Sendable {
    public let code: Int32

    public static let ok = ExitStatus(code: 0)
    /// Something needs attention: credentials expiring, or an operation failed for an
    /// outside reason (I/O error, a hook failed).
    public static let warning = ExitStatus(code: 1)
    public static let usage = ExitStatus(code: 2)
    public static let notFound = ExitStatus(code: 3)
    public static let denied = ExitStatus(code: 4)
    public static let locked = ExitStatus(code: 5)
    public static let integrity = ExitStatus(code: 6)
    public static let busy = ExitStatus(code: 7)

    /// The one exit code for each kind of ``VaultError``.
    public init(_ kind: VaultError.Kind) {
        switch kind {
        case .failed: self = .warning
        case .invalidInput: self = .usage
        case .notFound: self = .notFound
        case .denied, .unauthenticated: self = .denied
        case .locked: self = .locked
        case .integrity: self = .integrity
        case .busy, .rateLimited, .overLimits, .unavailable: self = .busy
        }
    }

    init(code: Int32) { self.code = code }
}
