internal import Glibc

/// A pthread mutex. The store uses it rather than the standard library's `Mutex` for two
/// reasons: ThreadSanitizer sees pthread locking (on Linux it does not see `Mutex`'s futex
/// calls, and reported a race between two threads that held the same `Mutex` in turn), and a
/// condition variable can wait on it (``GroupCommit``).
final class Lock: @unchecked Sendable {
    // @unchecked Sendable: the pthread mutex is the synchronisation itself; the pointer is
    // written once, by `init`.
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
