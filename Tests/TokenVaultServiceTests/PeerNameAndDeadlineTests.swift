import Foundation
import Testing
import TokenVaultSystem

/// What the credentials socket needs of a connection beyond the engine's: the peer's own socket
/// name (`getpeername`), and a whole write bounded by a deadline.
@Suite("Peer names and bounded writes")
struct PeerNameAndDeadlineTests {
    /// A blocking client socket, bound as asked (`nil`: not bound; a leading NUL: abstract),
    /// connected to `path`.
    private final class Client: Sendable {
        let descriptor: Int32

        init(connectingTo path: String, boundTo name: [UInt8]?) throws {
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(descriptor >= 0)
            if let name {
                let bound = Self.withAddress(name) { Glibc.bind(descriptor, $0, $1) }
                try #require(bound == 0, "bind: \(String(cString: strerror(errno)))")
            }
            let connected = Self.withAddress(Array(path.utf8) + [0]) { connect(descriptor, $0, $1) }
            try #require(connected == 0, "connect: \(String(cString: strerror(errno)))")
        }

        deinit { close(descriptor) }

        /// Reads until the end of the stream, at most `limit` bytes.
        func readToEnd(limit: Int = 1 << 24) -> [UInt8] {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while received.count < limit {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                received += buffer[..<count]
            }
            return received
        }

        private static func withAddress<T>(_ bytes: [UInt8], _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
            return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
        }
    }

    /// A listener in a temporary directory, a client bound as asked, and the connection accepted
    /// from it; all kept open as long as the value is.
    private final class Pair {
        let directory: TemporaryDirectory
        let listener: UnixListener
        var client: Client?
        let accepted: StreamSocket

        init(boundTo name: [UInt8]?) throws {
            directory = try TemporaryDirectory()
            listener = try UnixListener.bind(path: directory.path + "/credentials.sock", mode: 0o600)
            client = try Client(connectingTo: directory.path + "/credentials.sock", boundTo: name)
            accepted = try #require(try listener.accept())
        }
    }

    @Test("getpeername: an abstract name (without its NUL), a socket file's path, or no name")
    func peerNames() throws {
        let abstract = "\(String(UInt64.random(in: 0...UInt64.max), radix: 16))/unit/edi-connector.service/erp-prod"
        let byName = try Pair(boundTo: [0] + Array(abstract.utf8))
        #expect(try byName.accepted.peerName() == .abstract(Array(abstract.utf8)))

        let directory = try TemporaryDirectory()
        let path = directory.path + "/client.sock"
        let byPath = try Pair(boundTo: Array(path.utf8) + [0])
        #expect(try byPath.accepted.peerName() == .path(Array(path.utf8)))

        let unnamed = try Pair(boundTo: nil)
        #expect(try unnamed.accepted.peerName() == .unnamed)
        unnamed.accepted.close()
        #expect(throws: SystemError.self) { try unnamed.accepted.peerName() }
    }

    @Test("sendAll: every byte to a reader; false at the deadline for a peer that never reads, or one that closed")
    func boundedWrites() throws {
        // 8 MiB: far more than a socket buffer holds, so the writer must wait for the reader.
        let payload = [UInt8]((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let reading = try Pair(boundTo: nil)
        let reader = try #require(reading.client)
        let received = LockedBytes()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            received.set(reader.readToEnd())
            done.signal()
        }
        #expect(payload.withUnsafeBytes { reading.accepted.sendAll($0, timeout: .seconds(10)) })
        reading.accepted.close()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(received.value == payload)

        // A peer that never reads: the write gives up at its deadline, not later.
        let idle = try Pair(boundTo: nil)
        let start = ContinuousClock.now
        #expect(!payload.withUnsafeBytes { idle.accepted.sendAll($0, timeout: .milliseconds(300)) })
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(250) && waited < .seconds(3), "\(waited)")
        #expect(idle.client != nil)

        // A peer that has gone: false at once (EPIPE, no SIGPIPE).
        let gone = try Pair(boundTo: nil)
        gone.client = nil
        let quick = ContinuousClock.now
        #expect(!payload.withUnsafeBytes { gone.accepted.sendAll($0, timeout: .seconds(5)) })
        #expect(ContinuousClock.now - quick < .seconds(2))
    }
}

/// Bytes written by one thread and read by another.
private final class LockedBytes: @unchecked Sendable {
    // @unchecked Sendable: `bytes` is only touched under `lock`.
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func set(_ value: [UInt8]) { lock.withLock { bytes = value } }
    var value: [UInt8] { lock.withLock { bytes } }
}
