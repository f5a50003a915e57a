package import TokenVaultSystem

extension VaultError {
    /// The vault's error for a failed call into the system module: each kind maps to its namesake.
    package init(_ error: SystemError) {
        let kind: Kind
        switch error.kind {
        case .invalidInput: kind = .invalidInput
        case .notFound: kind = .notFound
        case .locked: kind = .locked
        case .failed: kind = .failed
        }
        self.init(kind, error.message, hint: error.hint)
    }
}

/// Runs a call into the system module (files, processes), turning its error into a ``VaultError``.
package func system<T>(_ body: () throws(SystemError) -> T) throws(VaultError) -> T {
    do {
        return try body()
    } catch {
        throw VaultError(error)
    }
}
