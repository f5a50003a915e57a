internal import Glibc

/// A pthread mutex with a condition variable: for a queue that threads wait on (a server's
/// worker pool).
///
/// Like the store's `Lock`, it is pthread rather than the standard library's `Mutex`, so that
/// ThreadSanitizer sees the locking, and so that a thread can wait on a condition.
///
/// ```swift
/// let lock = ConditionLock()
/// // consumer:
/// lock.lock(); while queue.isEmpty { lock.wait() }; let job = queue.removeFirst(); lock.unlock()
/// // producer:
/// lock.withLock { queue.append(job) }; lock.signal()
/// ```
package final class ConditionLock: @unchecked Sendable {
    // @unchecked Sendable: the mutex and condition are the synchronisation; the pointers are
    // written once, by `init`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    package func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Takes the mutex; pair with ``unlock()``.
    package func lock() {
        pthread_mutex_lock(mutex)
    }

    /// Releases the mutex.
    package func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// Releases the mutex, waits for ``signal()`` or ``broadcast()``, and takes it again.
    /// Wake-ups can be spurious: wait in a loop on the condition. Call with the mutex held.
    package func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Wakes one waiting thread.
    package func signal() {
        pthread_cond_signal(condition)
    }

    /// Wakes every waiting thread.
    package func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
