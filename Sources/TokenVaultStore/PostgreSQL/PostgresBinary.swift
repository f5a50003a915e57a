/// PostgreSQL's binary format for the types TokenVault stores: parameters are encoded into it
/// and result columns decoded from it.
enum PostgresBinary {
    /// Type OIDs (`pg_type.oid`), fixed since PostgreSQL 7.
    enum TypeID {
        static let boolean: UInt32 = 16
        static let bytea: UInt32 = 17
        static let name: UInt32 = 19
        static let bigint: UInt32 = 20
        static let smallint: UInt32 = 21
        static let integer: UInt32 = 23
        static let text: UInt32 = 25
        static let oid: UInt32 = 26
        static let real: UInt32 = 700
        static let double: UInt32 = 701
        static let character: UInt32 = 1042
        static let varchar: UInt32 = 1043
    }

    /// Whether a result column of this type can be read.
    static func isReadable(_ type: UInt32) -> Bool {
        switch type {
        case TypeID.bigint, TypeID.integer, TypeID.smallint, TypeID.oid, TypeID.boolean, TypeID.double, TypeID.real, TypeID.text,
            TypeID.varchar, TypeID.name, TypeID.character, TypeID.bytea:
            true
        default: false
        }
    }

    /// A result column's value in place: text and bytea point into `bytes`. The type must be
    /// one ``isReadable(_:)`` accepts; a length that does not fit the type reads as NULL.
    static func view(_ bytes: UnsafeRawBufferPointer, type: UInt32) -> ColumnView {
        switch (type, bytes.count) {
        case (TypeID.bigint, 8): .integer(Int64(bitPattern: bigEndian(bytes)))
        case (TypeID.integer, 4): .integer(Int64(Int32(bitPattern: UInt32(bigEndian(bytes)))))
        case (TypeID.smallint, 2): .integer(Int64(Int16(bitPattern: UInt16(bigEndian(bytes)))))
        case (TypeID.oid, 4): .integer(Int64(bigEndian(bytes)))
        case (TypeID.boolean, 1): .integer(bytes[0] == 0 ? 0 : 1)
        case (TypeID.double, 8): .real(Double(bitPattern: bigEndian(bytes)))
        case (TypeID.real, 4): .real(Double(Float(bitPattern: UInt32(bigEndian(bytes)))))
        case (TypeID.text, _), (TypeID.varchar, _), (TypeID.name, _), (TypeID.character, _): .text(bytes)
        case (TypeID.bytea, _): .blob(bytes)
        default: .null
        }
    }

    /// The unsigned big-endian integer in `bytes` (at most 8 of them).
    private static func bigEndian(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// A statement's parameters in PostgreSQL's binary format, in one buffer, for libpq's
/// `PQexecParams` (types, value pointers, lengths, formats).
struct PostgresParameters {
    private var bytes: [UInt8] = []
    /// Each value's type (0 for SQL NULL: the server infers it).
    private(set) var types: [UInt32] = []
    /// Each value's offset and length in `bytes`; nil for SQL NULL.
    private var spans: [(offset: Int, count: Int)?] = []

    init(_ values: [SQLValue]) {
        for value in values {
            switch value {
            case .null: append(nil, type: 0)
            case .integer(let number): append(Self.bigEndian(UInt64(bitPattern: number)), type: PostgresBinary.TypeID.bigint)
            case .real(let number): append(Self.bigEndian(number.bitPattern), type: PostgresBinary.TypeID.double)
            case .text(let text): append(Array(text.utf8), type: PostgresBinary.TypeID.text)
            case .blob(let blob): append(blob, type: PostgresBinary.TypeID.bytea)
            }
        }
        // One byte more, so that an empty value still has an address (NULL would mean SQL NULL).
        bytes.append(0)
    }

    private mutating func append(_ value: [UInt8]?, type: UInt32) {
        types.append(type)
        guard let value else { return spans.append(nil) }
        spans.append((bytes.count, value.count))
        bytes.append(contentsOf: value)
    }

    private static func bigEndian(_ number: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: number >> ($0 * 8)) }
    }

    /// Calls `body` with the four arrays libpq takes, valid during the call only.
    func withPointers<Result>(
        _ body: (
            UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?
        ) -> Result
    ) -> Result {
        bytes.withUnsafeBytes { buffer in
            let base = buffer.baseAddress!
            let values: [UnsafePointer<CChar>?] = spans.map { span in
                span.map { base.advanced(by: $0.offset).assumingMemoryBound(to: CChar.self) }
            }
            let lengths = spans.map { Int32($0?.count ?? 0) }
            let formats = [Int32](repeating: 1, count: spans.count)
            return types.withUnsafeBufferPointer { types in
                values.withUnsafeBufferPointer { values in
                    lengths.withUnsafeBufferPointer { lengths in
                        formats.withUnsafeBufferPointer { formats in
                            body(types.baseAddress, values.baseAddress, lengths.baseAddress, formats.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
