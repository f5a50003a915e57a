internal import CPosix
internal import Glibc

/// The address the process at the other end of a Unix socket connection bound its own socket
/// to, as `getpeername(2)` reports it (unix(7), "Address format").
///
/// ```swift
/// switch try connection.peerName() {
/// case .abstract(let name): parse(name)  // systemd's "RANDOM/unit/UNIT/ID"
/// case .unnamed, .path: refuse()
/// }
/// ```
///
/// Security: a peer chooses its own address; it proves only what the kernel checks when it is
/// bound. A path needs write access to its folder; an abstract name needs nothing, and the first
/// socket to bind one (in the network namespace) holds it.
package enum UnixPeerName: Sendable, Equatable {
    /// The peer did not bind its socket before connecting.
    case unnamed
    /// A socket file's path, as bytes (without the terminating NUL).
    case path([UInt8])
    /// A name in the abstract namespace, as bytes, without the leading NUL that marks it.
    case abstract([UInt8])
}

extension StreamSocket {
    /// The address the peer's socket is bound to (`getpeername(2)`).
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the descriptor is not a connected Unix socket.
    package func peerName() throws(SystemError) -> UnixPeerName {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let status = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        guard status == 0 else { throw .failed("cannot read the peer's socket name: \(SystemError.errnoMessage)") }
        guard Int32(address.sun_family) == AF_UNIX else { throw .failed("the peer is not on a Unix socket") }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        // The kernel reports the length the peer bound with; a longer address was truncated.
        let count = min(Int(length), MemoryLayout<sockaddr_un>.size) - offset
        guard count > 0 else { return .unnamed }
        let bytes = withUnsafeBytes(of: &address.sun_path) { Array($0.prefix(count)) }
        if bytes[0] == 0 { return .abstract(Array(bytes.dropFirst())) }
        return .path(Array(bytes.prefix { $0 != 0 }))
    }
}
