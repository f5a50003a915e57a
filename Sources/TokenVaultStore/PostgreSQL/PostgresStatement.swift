internal import CPostgres

/// A statement on a ``PostgresConnection`` with the life cycle of an SQLite one: bind, step
/// through the rows, reset. The SQL keeps SQLite's `?` markers (``PostgresPlaceholders``).
///
/// The statement is sent at the first step after a bind, in one round trip, and its rows are
/// then read from libpq's buffer: a column's bytes stay valid until the statement is reset or
/// bound again, as SQLite's stay valid until the next step.
final class PostgresStatement {
    private unowned let connection: PostgresConnection
    private let placeholders: PostgresPlaceholders
    /// For a statement run many times (a cached one): its prepared form on the server.
    private let reuse: ServerPreparedStatement?
    private var arguments: [SQLValue] = []
    /// The result of the current execution (libpq's), nil before the first step.
    private var result: OpaquePointer?
    private var types: [UInt32] = []
    private var rowCount: Int32 = 0
    /// The row ``column(at:)`` reads; the next step moves past it.
    private var current: Int32 = -1

    /// A statement of `connection`; `reused` for one kept to be run many times, which is then
    /// prepared on the server.
    init(connection: PostgresConnection, sql: String, reused: Bool = false) {
        self.connection = connection
        self.placeholders = PostgresPlaceholders(sql)
        self.reuse = reused ? ServerPreparedStatement() : nil
    }

    deinit { cpq_clear(result) }

    /// The number of arguments the statement takes.
    var parameterCount: Int { placeholders.parameterCount }

    /// Resets the statement and keeps `values` for its next execution.
    func bind(_ values: [SQLValue]) {
        reset()
        arguments = values
    }

    /// Forgets the result and the arguments.
    func reset() {
        cpq_clear(result)
        result = nil
        arguments = []
        current = -1
        rowCount = 0
    }

    /// Moves to the next row, running the statement first if it has not run since the bind.
    ///
    /// - Returns: true when a row is available, false when there is none left.
    /// - Throws: ``PostgresError``: the statement failed (the connection's transaction is then
    ///   aborted), the connection broke, or a column has a type ``PostgresBinary`` does not read.
    func advance() throws(PostgresError) -> Bool {
        if result == nil {
            let executed = try connection.run(placeholders.sql, arguments, reuse: reuse)
            result = executed
            rowCount = cpq_rows(executed)
            types = (0..<cpq_columns(executed)).map { cpq_column_type(executed, $0) }
            guard types.allSatisfy(PostgresBinary.isReadable) else { throw PostgresError(.unsupportedType) }
        }
        current += 1
        return current < rowCount
    }

    /// The number of columns of the result.
    var columnCount: Int { types.count }

    /// A column of the current row, decoded in place: text and bytea point into libpq's buffer.
    func column(at index: Int) -> ColumnView {
        guard let result, cpq_is_null(result, current, Int32(index)) == 0 else { return .null }
        let bytes = UnsafeRawBufferPointer(
            start: cpq_value(result, current, Int32(index)), count: Int(cpq_length(result, current, Int32(index)))
        )
        return PostgresBinary.view(bytes, type: types[index])
    }

    /// The number of rows the last execution changed (INSERT, UPDATE, DELETE).
    var changedRows: Int { result.map { Int(cpq_changed_rows($0)) } ?? 0 }
}
