internal import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before `bind` returns, so a
/// temporary Swift buffer may be bound safely.
///
/// `unsafeBitCast` justification: the C macro is `((sqlite3_destructor_type)-1)`, which the
/// importer drops; this reproduces exactly that sentinel value.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A prepared statement. Like its ``Connection``, it must stay on one thread at a time.
///
/// See <https://sqlite.org/c3ref/stmt.html>.
public final class Statement {
    /// The engine's statement.
    private enum Backend {
        case sqlite(OpaquePointer)
        case postgresql(PostgresStatement)
    }

    private let backend: Backend
    private unowned let connection: Connection

    init(connection: Connection, sql: String, reused: Bool = false) throws(StoreError) {
        switch connection.backend {
        case .sqlite(let db):
            var statement: OpaquePointer?
            let code = sqlite3_prepare_v3(db, sql, -1, 0, &statement, nil)
            guard code == SQLITE_OK, let statement else {
                throw connection.error(code: code)
            }
            backend = .sqlite(statement)
        case .postgresql(let postgres):
            backend = .postgresql(PostgresStatement(connection: postgres, sql: sql, reused: reused))
        }
        self.connection = connection
    }

    deinit { if case .sqlite(let handle) = backend { sqlite3_finalize(handle) } }

    /// Binds arguments by position (1-based in SQLite, 0-based in the array), after resetting
    /// the statement.
    ///
    /// - Throws: ``StoreError`` with ``ResultCode/misuse`` when the number of arguments is not
    ///   the number of parameters the SQL has (SQLite would bind NULL to a missing one).
    public func bind(_ arguments: [any SQLBindable]) throws(StoreError) {
        reset()
        let handle: OpaquePointer
        switch backend {
        case .sqlite(let sqlite): handle = sqlite
        case .postgresql(let postgres):
            try Self.requireCount(arguments.count, parameters: postgres.parameterCount)
            return postgres.bind(arguments.map(\.sqlValue))
        }
        try Self.requireCount(arguments.count, parameters: Int(sqlite3_bind_parameter_count(handle)))
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument.sqlValue {
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .integer(let value):
                code = sqlite3_bind_int64(handle, index, value)
            case .real(let value):
                code = sqlite3_bind_double(handle, index, value)
            case .text(let value):
                code = sqlite3_bind_text64(handle, index, value, UInt64(value.utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    // A NULL pointer would bind NULL; bind a zero-length blob explicitly.
                    buffer.count == 0
                        ? sqlite3_bind_zeroblob(handle, index, 0)
                        : sqlite3_bind_blob64(handle, index, buffer.baseAddress, UInt64(buffer.count), sqliteTransient)
                }
            }
            guard code == SQLITE_OK else { throw connection.error(code: code) }
        }
    }

    private static func requireCount(_ count: Int, parameters: Int) throws(StoreError) {
        guard count == parameters else {
            throw StoreError(code: .misuse, message: "the statement takes \(parameters) arguments, \(count) were given")
        }
    }

    /// Resets the statement and clears its bindings, so that it holds no value and no lock.
    public func reset() {
        switch backend {
        case .sqlite(let handle):
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        case .postgresql(let postgres): postgres.reset()
        }
    }

    /// Steps once. Returns the row, or nil when the statement is done.
    public func step() throws(StoreError) -> Row? {
        guard try advance() else { return nil }
        // One switch per row, not one per column: the SQLite loop reads the handle directly
        // and inlines the column read.
        switch backend {
        case .sqlite(let handle):
            return Row(values: (0..<Int(sqlite3_column_count(handle))).map { Self.sqliteColumn(handle, at: $0).copied })
        case .postgresql(let postgres):
            return Row(values: (0..<postgres.columnCount).map { postgres.column(at: $0).copied })
        }
    }

    /// Steps once and leaves the row in the statement, to be read in place with
    /// ``column(at:)`` instead of being copied out: for scans of millions of rows, such as the
    /// audit-chain walk. Call ``bind(_:)`` first.
    ///
    /// - Returns: true when a row is available, false when the statement is done.
    public func advance() throws(StoreError) -> Bool {
        let handle: OpaquePointer
        switch backend {
        case .sqlite(let sqlite): handle = sqlite
        case .postgresql(let postgres):
            return try StoreError.fromPostgres { () throws(PostgresError) in try postgres.advance() }
        }
        if connection.refusesWrites && sqlite3_stmt_readonly(handle) == 0 {
            throw StoreError(code: .readOnly, message: "attempt to write in a read transaction")
        }
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            // Read the error first, then reset: a statement left in its failed state counts as
            // "in progress", and a cached one would make the connection's next COMMIT fail.
            let error = connection.error(code: code)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// After ``advance()`` returned true: a column of the current row, read in place. Text and
    /// blob bytes are SQLite's own, exactly as stored, and valid only until the statement steps
    /// again or is reset.
    public func column(at index: Int) -> ColumnView {
        guard case .sqlite(let handle) = backend else { return postgresColumn(at: index) }
        return Self.sqliteColumn(handle, at: index)
    }

    /// Kept out of line: inlined, PostgreSQL's column read (libpq calls, a retain, the binary
    /// decoding) made SQLite's ``column(at:)`` save every callee-saved register and too large
    /// to be inlined into ``step()``.
    @inline(never)
    private func postgresColumn(at index: Int) -> ColumnView {
        guard case .postgresql(let postgres) = backend else { preconditionFailure("a PostgreSQL read of an SQLite statement") }
        return postgres.column(at: index)
    }

    @inline(__always)
    private static func sqliteColumn(_ handle: OpaquePointer, at index: Int) -> ColumnView {
        // One `sqlite3_column_value` and cheap `sqlite3_value_*` calls instead of two or three
        // `sqlite3_column_*` calls, each of which enters and leaves the connection. The value is
        // "unprotected" (no mutex held); that makes no difference on a connection opened with
        // SQLITE_OPEN_NOMUTEX, which has no mutex, and that one thread at a time uses
        // (https://sqlite.org/c3ref/value.html, https://sqlite.org/threadsafe.html).
        let value = sqlite3_column_value(handle, Int32(index))
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT:
            return .real(sqlite3_value_double(value))
        case SQLITE_TEXT:
            let pointer = sqlite3_value_text(value)
            let count = Int(sqlite3_value_bytes(value))
            return .text(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
        case SQLITE_BLOB:
            let pointer = sqlite3_value_blob(value)
            let count = Int(sqlite3_value_bytes(value))
            return .blob(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
        default:
            return .null
        }
    }

    /// Runs the statement to completion, discarding rows.
    public func run(_ arguments: [any SQLBindable] = []) throws(StoreError) {
        try bind(arguments)
        while try step() != nil {}
    }

    /// Runs the statement and returns every row.
    public func all(_ arguments: [any SQLBindable] = []) throws(StoreError) -> [Row] {
        try bind(arguments)
        var rows: [Row] = []
        while let row = try step() { rows.append(row) }
        return rows
    }

    /// Runs the statement and calls `body` with each row without collecting them,
    /// so an export of millions of rows runs in constant memory.
    public func forEach(_ arguments: [any SQLBindable] = [], _ body: (Row) throws -> Void) throws {
        try bind(arguments)
        while let row = try step() { try body(row) }
    }
}

@available(*, unavailable, message: "A statement belongs to one connection on one thread")
extension Statement: Sendable {}
