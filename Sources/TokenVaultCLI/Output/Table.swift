import TokenVault

/// A plain-text table with aligned columns.
struct Table {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func append(_ row: [String]) { rows.append(row.map(Table.clean)) }

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
