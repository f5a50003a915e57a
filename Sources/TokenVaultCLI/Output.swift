import TokenVault
internal import TokenVaultSystem

/// A JSON value, rendered by hand (the CLI does not load Foundation: it starts in a few ms).
enum JSON {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    static func optional(_ text: String?) -> JSON { text.map(JSON.string) ?? .null }
    static func time(_ time: UnixTime?) -> JSON { time.map { .string(TimeFormat.iso8601($0)) } ?? .null }
    static func int(_ value: Int?) -> JSON { value.map { .int(Int64($0)) } ?? .null }

    func rendered() -> String {
        var out = ""
        render(into: &out)
        return out
    }

    private func render(into out: inout String) {
        switch self {
        case .string(let text): JSON.escape(text, into: &out)
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                JSON.escape(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    private static func escape(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where DisplayText.isUnsafe(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

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

    init(_ headers: [String], _ output: BufferedOutput, sample: Int = 1_000) {
        self.headers = headers
        self.output = output
        self.sample = sample
    }

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

/// Standard output gathered into 64 KiB writes: one syscall per line would dominate a large
/// export or listing.
final class BufferedOutput {
    private let io: any CommandIO
    private var buffer: [UInt8] = []

    init(_ io: any CommandIO) {
        self.io = io
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        buffer.withUnsafeBytes { io.writeOut($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// How credentials are shown in text and JSON. One place, used by add, issue, list, show, verify.
enum CredentialOutput {
    static func json(_ credential: Credential, now: UnixTime) -> JSON {
        .object([
            ("id", .string(credential.id)),
            ("name", .string(credential.name)),
            ("kind", .string(credential.kind.rawValue)),
            ("state", .string(credential.state(at: now).rawValue)),
            ("legacy", .bool(credential.isLegacy)),
            ("unlimited", .bool(credential.scope.isUnlimited)),
            ("never_expires", .bool(credential.neverExpires)),
            ("expires_at", .time(credential.expiresAt)),
            ("grants", .array(credential.scope.grants.map { .string($0.description) })),
            ("issuer", .optional(credential.issuer)),
            ("api_url", .optional(credential.apiURL)),
            ("description", .optional(credential.description)),
            ("created_at", .time(credential.createdAt)),
            ("revoked_at", .time(credential.revokedAt)),
            ("last_used_at", .time(credential.lastUsedAt)),
            ("last_used_by", .optional(credential.lastUsedBy)),
            ("current_version", .int(credential.currentVersion)),
        ])
    }

    /// `2027-03-01 (in 98d)`, `never (flagged)`, `2026-11-01 (expired 21d ago)`.
    static func expiry(_ credential: Credential, now: UnixTime) -> String {
        guard let expiresAt = credential.expiresAt else { return "never (flagged)" }
        let day = TimeFormat.day(expiresAt)
        let left = expiresAt - now
        return left > 0 ? "\(day) (in \(TimeFormat.humanDuration(left)))" : "\(day) (expired \(TimeFormat.humanDuration(left)) ago)"
    }

    static func scope(_ credential: Credential) -> String {
        credential.isLegacy ? "legacy *:*:crud" : credential.scope.grants.map(\.description).joined(separator: " ")
    }

    static func flags(_ credential: Credential) -> String {
        var flags: [String] = []
        if credential.isLegacy { flags.append("legacy") }
        if credential.scope.isUnlimited && !credential.isLegacy { flags.append("unlimited") }
        if credential.neverExpires { flags.append("never-expires") }
        return flags.joined(separator: ",")
    }
}
