internal import CPosix
internal import Glibc

/// A `sockaddr_un` built from a path (or an abstract name), with the length to pass to
/// `bind`, `connect` and `sendto`.
struct UnixSocketAddress {
    /// The longest path a Unix socket can have: `sun_path` less its terminating NUL.
    static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    private var storage = sockaddr_un()
    private let length: socklen_t

    /// The address of the socket file at `path`.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` for an empty path, a NUL byte, or a path
    ///   longer than ``maximumPathLength`` bytes.
    init(path: String) throws(SystemError) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0), bytes.count <= Self.maximumPathLength else {
            throw .invalid(
                "'\(DisplayText.clean(path, limit: 60))' cannot be a socket path (1 to \(Self.maximumPathLength) bytes, no NUL)"
            )
        }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
        length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + 1)
    }

    /// The address in the abstract namespace called `name` (without the leading NUL the kernel
    /// sees in its place): the socket has no file.
    init(abstractName name: String) throws(SystemError) {
        let bytes = Array(name.utf8)
        guard bytes.count <= Self.maximumPathLength else { throw .invalid("an abstract socket name is too long") }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.baseAddress!.advanced(by: 1).copyMemory(from: bytes, byteCount: bytes.count) }
        length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + 1 + bytes.count)
    }

    /// Calls `body` with the address as a `sockaddr` and its length.
    func withSocketAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
