internal import CPosix

/// The process at the other end of a Unix socket connection, as the kernel recorded it when
/// that process connected (`SO_PEERCRED`).
///
/// The kernel fills these in; the peer cannot forge them. They are the identity of the
/// process that called `connect`, so a descriptor passed on to another process keeps its
/// first owner's credentials.
///
/// ```swift
/// let peer = try connection.peerCredentials()
/// guard peer.uid == 0 || peer.uid == ownerUID else { return forbidden }
/// ```
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The peer's effective user id.
    public let uid: UInt32
    /// The peer's effective group id.
    public let gid: UInt32
    /// The peer's process id (in this process's PID namespace; 0 when it has none there).
    public let pid: Int32

    /// Creates credentials (tests, and handlers called without a socket).
    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    /// `uid=1000 gid=1000 pid=4242`.
    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }

    /// The credentials of the peer of the connected Unix socket `descriptor`.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the descriptor is not a connected Unix socket.
    static func of(descriptor: Int32) throws(SystemError) -> PeerCredentials {
        var credentials = cposix_peer_credentials()
        guard cposix_peer_credentials(descriptor, &credentials) == 0 else {
            throw .failed("cannot read the peer's credentials: \(SystemError.errnoMessage)")
        }
        return PeerCredentials(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
    }
}
