internal import Synchronization
internal import TokenVaultCrypto
internal import TokenVaultStore

/// The KEK and the unwrapped keys of an open vault, kept current when another process
/// rotates the data key.
///
/// Every operation calls ``refresh(_:)`` inside its transaction: one indexed read of the active
/// data key's id. When it differs from the cached one (`rotate-data-key` ran elsewhere), the keys
/// are unwrapped again with the KEK, so a long-running connector keeps working without reopening.
final class KeyCache: Sendable {
    private struct State: Sendable {
        var kek: SymmetricKey
        var keyring: Keyring
    }

    private let state: Mutex<State>

    init(kek: SymmetricKey, keyring: Keyring) {
        state = Mutex(State(kek: kek, keyring: keyring))
    }

    var keyring: Keyring { state.withLock { $0.keyring } }
    var kek: SymmetricKey { state.withLock { $0.kek } }

    /// Reloads the keys when the vault's active data key is not the cached one.
    ///
    /// - Throws: ``VaultError/Kind/locked`` when the KEK no longer opens them (the vault was
    ///   rekeyed by another process).
    func refresh(_ db: Connection) throws {
        let active = try KeyTable.activeDataKeyID(db)
        let current = state.withLock { $0 }
        guard let active, active != current.keyring.activeDataKeyID else { return }
        do {
            let reloaded = try Keyring.unlock(db, meta: try VaultMeta.read(db), kek: current.kek)
            state.withLock { $0.keyring = reloaded }
        } catch let error as VaultError where error.kind == .locked {
            throw VaultError(.locked, "the vault was rekeyed by another process; open it again with the new key")
        }
    }

    /// Installs a new KEK and keyring (after rekey or rotate-data-key in this process).
    func replace(kek: SymmetricKey, keyring: Keyring) {
        state.withLock { $0 = State(kek: kek, keyring: keyring) }
    }
}
