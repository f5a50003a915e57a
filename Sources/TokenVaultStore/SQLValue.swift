/// A value bound to, or read from, an SQL statement.
///
/// Plaintext secrets never become an `SQLValue`: only ciphertexts, keyed hashes and
/// descriptive fields are stored.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A column of a statement's current row, read in place (``Statement/column(at:)``): text and
/// blob bytes point into SQLite's memory and are valid only until the statement steps again or is
/// reset, so a view never outlives the loop step that read it.
public enum ColumnView {
    case null
    case integer(Int64)
    case real(Double)
    /// UTF-8 bytes, exactly as stored.
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)
}

extension ColumnView {
    /// The value, copied out of the engine's memory.
    @inline(__always)
    var copied: SQLValue {
        switch self {
        case .null: .null
        case .integer(let value): .integer(value)
        case .real(let value): .real(value)
        case .text(let utf8): .text(String(decoding: utf8, as: UTF8.self))
        case .blob(let bytes): .blob(Array(bytes))
        }
    }
}

/// A type that can be bound as a statement argument.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
