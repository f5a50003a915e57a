/// SQLite's parameter markers turned into PostgreSQL's, so that one SQL text serves both
/// engines: `?` becomes `$1`, `$2`… in order, and `?NNN` becomes `$NNN` (the same parameter
/// wherever it appears). Markers inside string literals, quoted identifiers and comments are
/// left alone.
///
/// ```swift
/// PostgresPlaceholders("SELECT a FROM t WHERE b = ? AND c = '?'")
/// // sql: "SELECT a FROM t WHERE b = $1 AND c = '?'", parameterCount: 1
/// ```
struct PostgresPlaceholders {
    /// The SQL with PostgreSQL's markers.
    let sql: String
    /// The highest parameter number: the number of arguments the statement takes.
    let parameterCount: Int

    init(_ text: String) {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var highest = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // A literal or a quoted identifier; a doubled quote inside is part of it.
                let end = Self.endOfQuoted(bytes, from: index, quote: byte)
                output.append(contentsOf: bytes[index..<end])
                index = end
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                let end = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                output.append(contentsOf: bytes[index..<end])
                index = end
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                let end = Self.endOfComment(bytes, from: index)
                output.append(contentsOf: bytes[index..<end])
                index = end
            case UInt8(ascii: "?"):
                var digitsEnd = index + 1
                while digitsEnd < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[digitsEnd]) { digitsEnd += 1 }
                let number: Int
                if digitsEnd > index + 1, let given = Int(String(decoding: bytes[(index + 1)..<digitsEnd], as: UTF8.self)) {
                    number = given
                } else {
                    // SQLite numbers a bare `?` one past the highest number used so far.
                    number = highest + 1
                    digitsEnd = index + 1
                }
                highest = max(highest, number)
                output.append(contentsOf: Array("$\(number)".utf8))
                index = digitsEnd
            default:
                output.append(byte)
                index += 1
            }
        }
        sql = String(decoding: output, as: UTF8.self)
        parameterCount = highest
    }

    /// The index after the quoted text that starts at `start` (or the end of the SQL).
    private static func endOfQuoted(_ bytes: [UInt8], from start: Int, quote: UInt8) -> Int {
        var index = start + 1
        while index < bytes.count {
            if bytes[index] == quote {
                if index + 1 < bytes.count && bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return bytes.count
    }

    /// The index after the `/* … */` comment that starts at `start` (or the end of the SQL).
    private static func endOfComment(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start + 2
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") { return index + 2 }
            index += 1
        }
        return bytes.count
    }
}
