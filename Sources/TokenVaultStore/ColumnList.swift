/// The columns a record reads, declared once as an enum whose cases are in `SELECT` order: the
/// select list is generated from the cases and a row is read by case, not by a position typed by
/// hand, so the SQL and the reads cannot drift apart (GRDB's records, at compile time).
///
/// ```swift
/// enum KeyColumn: Int, ColumnList {
///     case id, purpose, wrapped
/// }
/// let rows = try db.rows("SELECT \(KeyColumn.selectList()) FROM keys")
/// let purpose = rows[0].string(KeyColumn.purpose)
/// ```
///
/// The raw value is the position. A case's SQL is its name in snake_case (`apiURL` →
/// `api_url`, `lastTestOK` → `last_test_ok`) unless ``sqlExpression`` says otherwise (a
/// subquery, or a column whose name does not follow).
public protocol ColumnList: CaseIterable, RawRepresentable where RawValue == Int {
    /// What the select list selects for this case.
    var sqlExpression: String { get }
}

extension ColumnList {
    public var sqlExpression: String { columnName }

    /// The case's name in snake_case: the column it stands for, by default.
    public var columnName: String { Self.snakeCase(String(describing: self)) }

    /// The select list: every case's expression, in order, each column name qualified with
    /// `table` when given (expressions that are not plain names are left as they are).
    public static func selectList(table: String? = nil) -> String {
        allCases.map { column in
            let expression = column.sqlExpression
            guard let table, expression.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }) else { return expression }
            return table + "." + expression
        }.joined(separator: ", ")
    }

    /// The select list of a table that does not have the columns `absent` yet (a vault read by a
    /// migration, before a later one adds them): each of those reads as `NULL`.
    public static func selectList(table: String? = nil, absent: [Self]) -> String {
        allCases.map { column in
            if absent.contains(where: { $0.rawValue == column.rawValue }) { return "NULL" }
            let expression = column.sqlExpression
            guard let table, expression.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }) else { return expression }
            return table + "." + expression
        }.joined(separator: ", ")
    }

    /// How many columns the list selects: a record read from a joined row starts after them.
    public static var count: Int { allCases.count }

    /// `lastTestOK` → `last_test_ok`: an underscore before each upper-case letter that follows
    /// a lower-case one, then all lower case.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        var previousIsLower = false
        for character in name {
            if character.isUppercase && previousIsLower { out.append("_") }
            out.append(contentsOf: character.lowercased())
            previousIsLower = character.isLowercase || character.isNumber
        }
        return out
    }
}

extension Row {
    /// The column `column` of a ``ColumnList`` selected from position `offset` on, as an integer.
    public func int64<C: ColumnList>(_ column: C, offset: Int = 0) -> Int64? { int64(offset + column.rawValue) }

    /// The column as text.
    public func string<C: ColumnList>(_ column: C, offset: Int = 0) -> String? { string(offset + column.rawValue) }

    /// The column as bytes.
    public func blob<C: ColumnList>(_ column: C, offset: Int = 0) -> [UInt8]? { blob(offset + column.rawValue) }
}
