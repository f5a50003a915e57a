extension StreamSocket {
    /// Writes every byte of `bytes`, waiting with `poll(2)` while the socket is full, for at most
    /// `timeout` in all: for a short answer on a thread of its own, where a peer that does not
    /// read must cost a bounded time, never a hang.
    ///
    /// ```swift
    /// let sent = fetched.secret.withUnsafeBytes { connection.sendAll($0, timeout: .seconds(5)) }
    /// connection.close()
    /// ```
    ///
    /// - Returns: whether every byte was taken by the socket; false when the deadline passed,
    ///   the peer went away (`EPIPE`, `ECONNRESET`) or the write failed. What was taken before
    ///   stays taken.
    package func sendAll(_ bytes: UnsafeRawBufferPointer, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            switch send(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .transferred(let count):
                offset += count
            case .wouldBlock:
                let milliseconds = PollSet.milliseconds(until: deadline)
                guard milliseconds > 0 else { return false }
                let ready = PollSet.wait(for: descriptor, .writable, timeoutMilliseconds: milliseconds)
                if !ready.contains(.writable) && !ready.isDisjoint(with: [.error, .hangUp, .invalid]) { return false }
            case .endOfFile, .failed:
                return false
            }
        }
        return true
    }
}
