internal import TokenVaultCrypto
internal import TokenVaultStore

/// 32 bytes held inline (a chain hash or a MAC): the walk needs no allocation per event.
struct Digest32: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    /// A copy of `bytes`, or nil unless they are exactly 32.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// The bytes of a 32-byte blob column, or nil for anything else.
    init?(_ column: ColumnView) {
        guard case .blob(let bytes) = column else { return nil }
        self.init(bytes)
    }

    init?(_ bytes: [UInt8]) {
        guard let digest = bytes.withUnsafeBytes({ Digest32($0) }) else { return nil }
        self = digest
    }

    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &words, body)
    }

    /// Byte equality, not in constant time: for public values such as hashes.
    static func == (lhs: Digest32, rhs: Digest32) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Whether `other` holds the same 32 bytes, in constant time: for MACs.
    func matches(_ other: UnsafeRawBufferPointer) -> Bool {
        withUnsafeBytes { ConstantTime.equals($0, other) }
    }

    func matches(_ other: Digest32) -> Bool {
        other.withUnsafeBytes { matches($0) }
    }
}
