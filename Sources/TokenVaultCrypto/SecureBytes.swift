internal import COpenSSL

/// A fixed-size buffer for key material and secrets, wiped with `OPENSSL_cleanse` when
/// the last reference goes away.
///
/// `SecureBytes` is a class, so passing it around never copies the bytes (an `Array` or
/// `String` would leave copy-on-write copies that nobody wipes). Its contents are written
/// only by its initializers; after that it is read-only.
///
/// ```swift
/// let key = try SecureBytes.random(count: 32)
/// key.withUnsafeBytes { bytes in use(bytes) }
/// ```
///
/// - Warning: Anything copied out of `withUnsafeBytes` into an `Array` or `String` is
///   outside this guarantee. Keep such copies short-lived or avoid them.
public final class SecureBytes: @unchecked Sendable {
    // @unchecked Sendable: the buffer is written only during `init` and is immutable
    // afterwards; concurrent readers are safe, and deinit runs once no reference remains.
    private let storage: UnsafeMutableRawBufferPointer
    /// The number of meaningful bytes (≤ the allocated capacity, which is wiped in full).
    public let count: Int

    /// Allocates `capacity` zeroed bytes and lets `body` fill them; `body` returns how many
    /// bytes it used. The whole capacity is wiped on deinit, used or not.
    public init(capacity: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            let used = try body(UnsafeMutableRawBufferPointer(rebasing: storage[0..<capacity]))
            precondition(used >= 0 && used <= capacity, "SecureBytes initializer reported an impossible length")
            count = used
        } catch {
            OPENSSL_cleanse(storage.baseAddress, storage.count)
            storage.deallocate()
            throw error
        }
    }

    /// Copies `bytes` into a new wiped-on-release buffer.
    public convenience init(copying bytes: some Collection<UInt8>) {
        self.init(capacity: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
            return bytes.count
        }
    }

    /// `count` cryptographically random bytes from OpenSSL's DRBG.
    public static func random(count: Int) throws(CryptoError) -> SecureBytes {
        do {
            return try SecureBytes(capacity: count) { buffer in
                try Random.fill(buffer)
                return count
            }
        } catch {
            throw .libraryFailure
        }
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    /// Calls `body` with the bytes. Do not let the pointer escape.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// A new buffer with the bytes in `range`.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return SecureBytes(capacity: range.count) { buffer in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[range]))
            return range.count
        }
    }

    /// Compares with another buffer in time that depends only on the lengths.
    public func constantTimeEquals(_ other: SecureBytes) -> Bool {
        withUnsafeBytes { mine in other.withUnsafeBytes { theirs in ConstantTime.equals(mine, theirs) } }
    }
}

/// Wiping of transient copies that cannot live in ``SecureBytes`` (a file being scanned, the
/// digits of a token being assembled), with `OPENSSL_cleanse`, which the compiler cannot drop.
public enum Wipe {
    /// Overwrites every byte of `bytes` with zero.
    public static func array(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { OPENSSL_cleanse(base, raw.count) }
        }
    }
}
