/// One result row, copied out of SQLite so that it outlives the statement step.
public struct Row: Sendable {
    private let values: [SQLValue]

    init(values: [SQLValue]) { self.values = values }

    /// The number of columns.
    public var count: Int { values.count }

    /// The raw value at a column index.
    public subscript(_ index: Int) -> SQLValue { values[index] }

    /// The column as an integer, or nil when NULL.
    public func int64(_ index: Int) -> Int64? {
        if case .integer(let value) = values[index] { return value }
        return nil
    }

    /// The column as text, or nil when NULL.
    public func string(_ index: Int) -> String? {
        if case .text(let value) = values[index] { return value }
        return nil
    }

    /// The column as bytes, or nil when NULL. A zero-length blob is `[]`.
    public func blob(_ index: Int) -> [UInt8]? {
        if case .blob(let value) = values[index] { return value }
        return nil
    }
}
