internal import CPosix
internal import Glibc

/// A pipe that wakes a thread waiting in `poll(2)`: any thread calls ``wake()``, the waiting
/// thread sees ``readDescriptor`` readable and calls ``drain()``.
///
/// Both ends are non-blocking and close on `exec`. Wake-ups coalesce: when the pipe is full,
/// a wake-up is already pending and the byte is dropped, so ``wake()`` never blocks.
///
/// ```swift
/// let wake = try WakePipe()
/// // another thread:
/// queue.append(item); wake.wake()
/// // the loop:
/// if set.events(at: wakeIndex).contains(.readable) { wake.drain(); takeQueuedItems() }
/// ```
package final class WakePipe: Sendable {
    /// The end to poll for `.readable`.
    package let readDescriptor: Int32
    /// The end ``wake()`` writes to.
    let writeDescriptor: Int32

    /// Creates the pipe.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the process is out of descriptors.
    package init() throws(SystemError) {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else {
            throw .failed("cannot create a pipe: \(SystemError.errnoMessage)")
        }
        readDescriptor = ends[0]
        writeDescriptor = ends[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Makes ``readDescriptor`` readable. Safe from any thread; never blocks.
    package func wake() {
        var byte: UInt8 = 1
        while write(writeDescriptor, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Reads the pending bytes, so that the next poll waits again; returns them (each
    /// writer's byte: the signal numbers for ``TerminationSignals``). Reads at most 4 KiB: a
    /// pipe that still holds bytes after that wakes the next poll at once.
    @discardableResult
    package func drain() -> [UInt8] {
        var drained: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while drained.count < 4_096 {
            let count = buffer.withUnsafeMutableBytes { read(readDescriptor, $0.baseAddress!, $0.count) }
            if count > 0 {
                drained += buffer.prefix(count)
                continue
            }
            if count < 0 && errno == EINTR { continue }
            break
        }
        return drained
    }
}
