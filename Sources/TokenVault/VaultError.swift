/// Why a vault operation did not happen.
///
/// Errors come in a small set of ``Kind``s, each with one documented CLI exit code, and a
/// one-line message for people. A message may name what the caller asked for (a credential
/// name, a path) but never a secret, a key, a ciphertext or any other stored value.
///
/// ```swift
/// do {
///     let fetched = try vault.fetch("erp-prod", need: Need(permission: .read))
/// } catch let error as VaultError where error.kind == .denied {
///     log("refused: \(error.message)")
/// }
/// ```
public struct VaultError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure. The CLI maps each to one exit code (docs/cli.md).
    public enum Kind: Sendable, Equatable, CaseIterable {
        /// Bad input: a malformed name, duration, date, scope or option. Exit 2.
        case invalidInput
        /// No such vault or credential. Exit 3.
        case notFound
        /// Refused by policy: revoked, expired, out of scope, unknown token. Exit 4.
        case denied
        /// The vault cannot be unlocked: wrong or missing key, passphrase or key command. Exit 5.
        case locked
        /// Tampering or corruption: a ciphertext or audit event fails its check, the file is
        /// damaged, or it was written by a newer TokenVault. Exit 6.
        case integrity
        /// Another process held the vault's lock for longer than the busy timeout. Exit 7.
        case busy
        /// An operation failed for an outside reason (I/O error, disk full, a hook failed). Exit 1.
        case failed
        /// A caller of the service that maps to no principal (HTTP 401). Exit 4.
        case unauthenticated
        /// A principal over its request rate (HTTP 429). Exit 7: retry later.
        case rateLimited
        /// The service is over a limit: too many connections (HTTP 503). Exit 7: retry later.
        case overLimits
        /// The vault's database cannot be reached now: a PostgreSQL server down, restarting or
        /// out of connection slots (HTTP 503). Exit 7: retry later.
        case unavailable
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// One line for people; never contains secret material.
    public let message: String
    /// An optional next step ("run `tokenvault init` first").
    public let hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}

extension VaultError {
    static func invalid(_ message: String, hint: String? = nil) -> VaultError {
        VaultError(.invalidInput, message, hint: hint)
    }

    static func failed(_ message: String) -> VaultError {
        VaultError(.failed, message)
    }
}
