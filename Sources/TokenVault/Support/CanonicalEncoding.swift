/// An unambiguous byte encoding for hashing and associated data: a domain label, then each
/// field as a type tag, a 4-byte big-endian length and the bytes. No two field lists encode alike.
/// The bytes of each field are written by ``CanonicalField``, which the audit walk also uses.
struct CanonicalEncoder {
    private(set) var bytes: [UInt8] = []

    init(domain: String) {
        bytes.reserveCapacity(256)
        append(domain)
    }

    mutating func append(_ data: [UInt8]) {
        data.withUnsafeBytes { append(.blob($0)) }
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(.text(UnsafeRawBufferPointer($0))) }
    }

    mutating func append(_ number: Int64) {
        append(.integer(number))
    }

    mutating func append(_ text: String?) {
        if let text { append(text) } else { append(.null) }
    }

    mutating func append(_ number: Int64?) {
        if let number { append(number) } else { append(.null) }
    }

    mutating func append(_ data: [UInt8]?) {
        if let data { append(data) } else { append(.null) }
    }

    private mutating func append(_ field: CanonicalField) {
        // Grows the array by the field's length without writing it twice (`repeatElement`
        // zero-filled it first, then the field overwrote the zeros), then writes the field there.
        withUnsafeTemporaryAllocation(byteCount: field.count, alignment: 1) { scratch in
            field.write(to: scratch.baseAddress!)
            bytes.append(contentsOf: UnsafeRawBufferPointer(scratch))
        }
    }
}

/// One field of a canonical encoding, its bytes held elsewhere: ``CanonicalEncoder`` writes every
/// field through it, and the audit walk encodes rows straight from SQLite's buffers into an
/// ``EncodingBuffer`` with it. The one place that knows the tags and the length prefix.
enum CanonicalField {
    case null
    case integer(Int64)
    /// UTF-8 bytes.
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)

    /// The length of the field's encoding.
    var count: Int {
        switch self {
        case .null: 1
        case .integer: 13
        case .text(let bytes), .blob(let bytes): 5 + bytes.count
        }
    }

    /// Writes the field's encoding at `out`, which has room for ``count`` bytes.
    func write(to out: UnsafeMutableRawPointer) {
        switch self {
        case .null:
            out.storeBytes(of: 0x6E, as: UInt8.self)
        case .integer(let number):
            out.storeBytes(of: 0x69, as: UInt8.self)
            out.storeBytes(of: UInt32(8).bigEndian, toByteOffset: 1, as: UInt32.self)
            out.storeBytes(of: UInt64(bitPattern: number).bigEndian, toByteOffset: 5, as: UInt64.self)
        case .text(let bytes):
            Self.write(tag: 0x73, bytes, to: out)
        case .blob(let bytes):
            Self.write(tag: 0x62, bytes, to: out)
        }
    }

    private static func write(tag: UInt8, _ bytes: UnsafeRawBufferPointer, to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: tag, as: UInt8.self)
        out.storeBytes(of: UInt32(bytes.count).bigEndian, toByteOffset: 1, as: UInt32.self)
        if let base = bytes.baseAddress { (out + 5).copyMemory(from: base, byteCount: bytes.count) }
    }
}

/// A reusable buffer for one canonical encoding at a time, written a field at a time with one
/// copy each: the audit walk encodes millions of rows in one. (``CanonicalEncoder`` appends to
/// an array piece by piece, which costs more than the copying itself for an event's short
/// fields.) Used by one thread at a time.
final class EncodingBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    /// The bytes written.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        storage = .allocate(byteCount: self.capacity, alignment: 1)
    }

    deinit { storage.deallocate() }

    /// Empties the buffer, keeping its storage.
    func removeAll() {
        count = 0
    }

    func append(_ field: CanonicalField) {
        let end = count + field.count
        if end > capacity { grow(to: end) }
        field.write(to: storage + count)
        count = end
    }

    /// The bytes written, valid during the call.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// At least doubles, so that growing costs O(1) per byte.
    private func grow(to length: Int) {
        let grown = max(length, 2 * capacity)
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
        bigger.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = bigger
        capacity = grown
    }
}

@available(*, unavailable, message: "An EncodingBuffer is used by one thread at a time")
extension EncodingBuffer: Sendable {}
