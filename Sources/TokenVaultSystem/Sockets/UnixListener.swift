internal import CPosix
internal import Glibc
import Synchronization

/// A listening Unix stream socket: bound to a path by ``bind(path:mode:group:backlog:)``, or
/// passed in by systemd (``adoptSystemdSocket()``).
///
/// The descriptor is non-blocking and closes on `exec`; ``accept()`` returns each waiting
/// connection as a non-blocking ``StreamSocket``.
///
/// ```swift
/// let listener = try UnixListener.adoptSystemdSocket()
///     ?? UnixListener.bind(path: "/run/tokenvault/api.sock", mode: 0o660, group: "tokenvault")
/// defer { listener.close() }  // removes the socket file it created
/// ```
///
/// - Important: Access control is the socket file's mode and group, and the directory it is
///   in: whoever can connect can send requests. The parent directory is created with mode
///   0700 when missing; an existing one is used as it is.
package final class UnixListener: Sendable {
    /// The listening descriptor, for a ``PollSet``.
    package let descriptor: Int32
    /// The socket file this listener created, removed by ``close()``; nil for a socket from
    /// systemd, whose file belongs to systemd.
    package let path: String?
    /// The created file's device and inode, so that ``close()`` removes that socket only, not
    /// one another server bound at the same path since.
    private let identity: (device: UInt64, inode: UInt64)?
    private let closed = Atomic<Bool>(false)

    private init(descriptor: Int32, path: String?, identity: (device: UInt64, inode: UInt64)?) {
        self.descriptor = descriptor
        self.path = path
        self.identity = identity
    }

    deinit { close() }

    /// The default listen backlog: connections the kernel queues before ``accept()`` takes them.
    package static let defaultBacklog: Int32 = 512

    /// Creates a socket file at `path` and listens on it.
    ///
    /// A socket file already at `path` is removed first when nothing listens on it any more
    /// (left by a server that did not shut down cleanly). The parent directory is created,
    /// mode 0700, when it is missing. The file gets exactly `mode` (whatever the umask) and,
    /// when `group` is given, that group, before the socket starts listening, so no client
    /// connects through a wider mode.
    ///
    /// ```swift
    /// let listener = try UnixListener.bind(path: directory + "/api.sock", mode: 0o600)
    /// ```
    ///
    /// - Parameters:
    ///   - mode: the socket file's permission bits (`--socket-mode`, 0660 by default).
    ///   - group: a group name or number (`--socket-group`), or nil to keep the process's group.
    ///   - backlog: the listen backlog.
    /// - Throws: ``SystemError/Kind/invalidInput`` when `path` is too long, is a symbolic link
    ///   or anything else but a socket, is a socket another server listens on, or when the
    ///   group does not exist; ``SystemError/Kind/failed`` when a system call fails
    ///   (permissions, no room, no descriptors).
    package static func bind(path: String, mode: UInt32 = 0o660, group: String? = nil, backlog: Int32 = defaultBacklog)
        throws(SystemError) -> UnixListener
    {
        let address = try UnixSocketAddress(path: path)
        let shown = DisplayText.clean(path, limit: 60)
        let groupNumber = try group.map { (name) throws(SystemError) in try groupID(of: name) }
        let parent = Files.parent(of: path)
        switch Files.kind(at: parent, followingLinks: true) {
        case .missing: try Files.makeDirectories(parent)
        case .directory: break
        default: throw .invalid("cannot create socket '\(shown)': '\(DisplayText.clean(parent, limit: 60))' is not a directory")
        }
        try removeStaleSocket(at: path, address: address)

        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw .failed("cannot create a socket: \(SystemError.errnoMessage)") }
        let bound = address.withSocketAddress { Glibc.bind(descriptor, $0, $1) }
        guard bound == 0 else {
            let reason = errno == EADDRINUSE ? "something else was created at that path" : SystemError.errnoMessage
            Glibc.close(descriptor)
            throw .failed("cannot bind socket '\(shown)': \(reason)")
        }
        func fail(_ what: String) -> SystemError {
            let error = SystemError.failed("cannot \(what) socket '\(shown)': \(SystemError.errnoMessage)")
            Glibc.close(descriptor)
            unlink(path)
            return error
        }
        guard chmod(path, mode_t(mode & 0o7777)) == 0 else { throw fail("set the mode of") }
        if let groupNumber {
            guard fchownat(AT_FDCWD, path, uid_t.max, groupNumber, AT_SYMLINK_NOFOLLOW) == 0 else { throw fail("set the group of") }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw fail("inspect") }
        guard listen(descriptor, backlog) == 0 else { throw fail("listen on") }
        return UnixListener(descriptor: descriptor, path: path, identity: (UInt64(info.st_dev), UInt64(info.st_ino)))
    }

    /// The listening socket systemd passed to this process (socket activation), or nil when
    /// there is none.
    ///
    /// There is one when `LISTEN_PID` is this process's id and `LISTEN_FDS` is 1: it is
    /// descriptor 3. It must be a listening Unix stream socket (`ListenStream=` with a path).
    /// `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` are removed from the environment so
    /// that child processes do not take the socket for theirs, and the descriptor is made
    /// close-on-exec and non-blocking. Its file is systemd's: ``close()`` leaves it.
    ///
    /// ```swift
    /// if let listener = try UnixListener.adoptSystemdSocket() { serve(listener) }
    /// ```
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when systemd passed more than one socket,
    ///   or a descriptor that is not a listening Unix stream socket.
    package static func adoptSystemdSocket() throws(SystemError) -> UnixListener? {
        guard let pidText = environment("LISTEN_PID"), Int32(pidText) == getpid() else { return nil }
        let count = environment("LISTEN_FDS").flatMap { Int($0) } ?? 0
        for variable in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(variable) }
        guard count > 0 else { return nil }
        guard count == 1 else {
            throw .invalid("systemd passed \(count) sockets; exactly one (a single ListenStream=) is supported")
        }
        let descriptor: Int32 = 3
        guard option(descriptor, SO_DOMAIN) == AF_UNIX, option(descriptor, SO_TYPE) == Int32(SOCK_STREAM.rawValue),
            option(descriptor, SO_ACCEPTCONN) == 1
        else {
            throw .invalid("the descriptor systemd passed is not a listening Unix stream socket (ListenStream= takes a path)")
        }
        guard fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0 else {
            throw .failed("cannot set close-on-exec on the socket from systemd: \(SystemError.errnoMessage)")
        }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw .failed("cannot make the socket from systemd non-blocking: \(SystemError.errnoMessage)")
        }
        return UnixListener(descriptor: descriptor, path: nil, identity: nil)
    }

    /// Takes the next waiting connection, or returns nil when none is waiting.
    ///
    /// The connection is non-blocking and close-on-exec (`accept4`). A client that gave up
    /// while queued (`ECONNABORTED`) is skipped.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the process or system is out of descriptors
    ///   or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`) or the listener is closed; the
    ///   connection stays queued, so a loop should stop accepting for a moment, not spin.
    package func accept() throws(SystemError) -> StreamSocket? {
        var length = socklen_t(0)
        return try StreamSocket.accept(on: descriptor, peer: nil, length: &length).map { StreamSocket(descriptor: $0) }
    }

    /// Stops listening: closes the descriptor (clients connecting from now on are refused) and
    /// removes the socket file if this listener created it and it is still that socket.
    /// Calling it again does nothing.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(descriptor)
        guard let path, let identity else { return }
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK, UInt64(info.st_dev) == identity.device,
            UInt64(info.st_ino) == identity.inode
        {
            unlink(path)
        }
    }

    /// Removes a socket file nothing listens on; refuses anything else at `path`.
    private static func removeStaleSocket(at path: String, address: UnixSocketAddress) throws(SystemError) {
        let shown = DisplayText.clean(path, limit: 60)
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw .invalid("refusing socket path '\(shown)': it exists and is not a socket")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard probe >= 0 else { throw .failed("cannot create a socket: \(SystemError.errnoMessage)") }
        let connected = address.withSocketAddress { connect(probe, $0, $1) }
        let reason = errno
        Glibc.close(probe)
        // EAGAIN: a listener whose backlog is full, so alive.
        guard connected != 0 && reason != EAGAIN else {
            throw .invalid("socket '\(shown)' is in use: another server listens on it")
        }
        guard reason == ECONNREFUSED else {
            throw .failed("cannot check socket '\(shown)': \(String(cString: strerror(reason)))")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .failed("cannot remove the stale socket '\(shown)': \(SystemError.errnoMessage)")
        }
    }

    /// The group id of `group`: a number as it is, otherwise a name looked up in the group
    /// database.
    private static func groupID(of group: String) throws(SystemError) -> gid_t {
        if !group.isEmpty, group.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = gid_t(group) { return number }
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var size = 1_024
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let code = getgrnam_r(group, &entry, &buffer, size, &result)
            if code == ERANGE {
                size *= 4
                continue
            }
            guard code == 0, let found = result else { break }
            return found.pointee.gr_gid
        }
        throw .invalid("no group '\(DisplayText.clean(group, limit: 60))'")
    }

    /// An integer socket option, or -1.
    private static func option(_ descriptor: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, name, &value, &length) == 0 else { return -1 }
        return value
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
