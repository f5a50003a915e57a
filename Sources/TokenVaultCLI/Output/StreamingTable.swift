/// A ``Table`` written while its rows arrive, for listings that may be too long to hold: the
/// first `sample` rows are held back to size the columns, as ``Table`` does; later rows are
/// written at once in those widths (a longer cell pushes its line's next cells right). A listing
/// of at most `sample` rows looks exactly like a ``Table``.
struct StreamingTable {
    private let headers: [String]
    private let output: BufferedOutput
    private let sample: Int
    private var heldBack: [[String]] = []
    private var widths: [Int]?

    /// A table written to `output`, sized by its first `sample` rows.
    init(_ headers: [String], _ output: BufferedOutput, sample: Int = 1_000) {
        self.headers = headers
        self.output = output
        self.sample = sample
    }

    /// Adds a row: held back while the columns are being sized, written at once after that.
    mutating func append(_ row: [String]) {
        let cleaned = row.map(Table.clean)
        if let widths {
            output.write(Table.line(cleaned, widths))
            return
        }
        heldBack.append(cleaned)
        if heldBack.count >= sample { writeHeldBack() }
    }

    /// Writes what is still held back (call once, after the last row).
    mutating func finish() {
        if widths == nil { writeHeldBack() }
    }

    private mutating func writeHeldBack() {
        let widths = Table.widths(headers, heldBack)
        output.write(Table.line(headers, widths))
        for row in heldBack { output.write(Table.line(row, widths)) }
        heldBack = []
        self.widths = widths
    }
}
