/// What one non-blocking read or write on a socket did.
///
/// ```swift
/// switch socket.receive(into: buffer) {
/// case .transferred(let count): parser.append(buffer.prefix(count))
/// case .wouldBlock: break  // poll again
/// case .endOfFile: close()  // the peer shut down its side
/// case .failed: close()
/// }
/// ```
package enum SocketTransfer: Sendable, Equatable {
    /// This many bytes (more than zero) were read or written.
    case transferred(Int)
    /// Nothing can be transferred now (`EAGAIN`); wait for the descriptor to be ready.
    case wouldBlock
    /// A read found the end of the stream: the peer shut down writing or closed.
    case endOfFile
    /// The call failed with this `errno` (a reset connection, a closed peer on write, ...).
    case failed(errno: Int32)
}
