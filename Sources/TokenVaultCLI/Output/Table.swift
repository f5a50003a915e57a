import TokenVault
internal import TokenVaultSystem

/// A plain-text table with aligned columns.
///
/// ```swift
/// var table = Table(["NAME", "STATE"])
/// table.append(["erp", "active"])
/// print(table.rendered(), terminator: "")  // NAME  STATE\nerp   active\n
/// ```
struct Table {
    /// The first line.
    let headers: [String]
    /// The rows so far, cleaned.
    private(set) var rows: [[String]] = []

    /// An empty table with these headers.
    init(_ headers: [String]) { self.headers = headers }

    /// Adds a row; its cells are cleaned of control characters (``clean(_:)``).
    mutating func append(_ row: [String]) { rows.append(row.map(Table.clean)) }

    /// The header and every row, each column as wide as its widest cell.
    func rendered() -> String {
        let widths = Table.widths(headers, rows)
        return Table.line(headers, widths) + rows.map { Table.line($0, widths) }.joined()
    }

    /// Each column's width: its widest cell.
    static func widths(_ headers: [String], _ rows: [[String]]) -> [Int] {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return widths
    }

    /// One line: every cell but the last padded to its column's width plus two spaces (at least two).
    static func line(_ cells: [String], _ widths: [Int]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            text += index == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(widths[index] - cell.count, 0) + 2)
        }
        return text + "\n"
    }

    /// Control characters and bidirectional overrides never reach the terminal (``DisplayText``).
    static func clean(_ text: String) -> String { DisplayText.clean(text) }
}
