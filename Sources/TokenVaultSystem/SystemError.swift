internal import Glibc

/// Why a call into the operating system did not do what was asked.
///
/// Its kinds are the ones the library's `VaultError` has for the same situations, and the
/// library maps each to its namesake: a path that exists or is a link is bad input, a missing
/// file is not found, an unreadable or world-readable key file means the vault stays locked, and
/// anything else failed for an outside reason. Messages name paths (cleaned by ``DisplayText``),
/// never file contents.
package struct SystemError: Error, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// A path that cannot be used as asked: it exists, it is a link, it is not a file.
        case invalidInput
        /// Nothing at the path.
        case notFound
        /// A key or passphrase file (or command) that cannot be used to unlock.
        case locked
        /// The system refused (I/O error, permission, no room, no such program).
        case failed
    }

    package let kind: Kind
    package let message: String
    package let hint: String?

    package init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    package static func invalid(_ message: String) -> SystemError { SystemError(.invalidInput, message) }
    package static func failed(_ message: String) -> SystemError { SystemError(.failed, message) }

    /// The message of the C library's `errno`.
    package static var errnoMessage: String { String(cString: strerror(errno)) }
}
