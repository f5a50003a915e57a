internal import CPostgres

/// One connection to a PostgreSQL server, through libpq.
///
/// Statements take `$1`, `$2`… parameters (or SQLite's `?` markers, numbered by
/// ``PostgresPlaceholders``), bound as values (never spliced into the SQL), and
/// come back as ``Row``s of ``SQLValue``s: `bigint`, `integer`, `smallint`, `oid` and `boolean`
/// as integers, `double precision` as reals, `text` and its kin as text, `bytea` as blobs. Both
/// directions use PostgreSQL's binary format, so bytes and numbers cross unchanged.
///
/// ```swift
/// let connection = try PostgresConnection(location: try PostgresLocation(parsing: uri))
/// let rows = try connection.rows("SELECT name FROM credentials WHERE id = $1", [Int64(7)])
/// ```
///
/// Like ``Connection``, a `PostgresConnection` is used by one thread at a time.
///
/// - Important: errors never carry what the server or libpq said (``PostgresError``): a
///   server's message may quote a refused statement's values.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects, waiting at most `connectTimeoutSeconds` for each host unless the URI says
    /// otherwise (`connect_timeout=`).
    ///
    /// - Throws: ``PostgresError/Kind/unreachable``, ``PostgresError/Kind/refused``,
    ///   ``PostgresError/Kind/databaseMissing``, ``PostgresError/Kind/unsupportedServer`` or
    ///   ``PostgresError/Kind/libraryMissing``.
    public init(location: PostgresLocation, connectTimeoutSeconds: Int32 = 10) throws(PostgresError) {
        try PostgresLibrary.load()
        guard let handle = cpq_connect(location.uri, "tokenvault", connectTimeoutSeconds) else {
            throw PostgresError(.unreachable)
        }
        guard cpq_connected(handle) == 1 else {
            let reason = String(cString: cpq_connection_error(handle))
            cpq_finish(handle)
            throw PostgresError(Self.kind(ofConnectionFailure: reason))
        }
        guard cpq_server_version(handle) >= 130_000 else {
            cpq_finish(handle)
            throw PostgresError(.unsupportedServer)
        }
        self.handle = handle
    }

    deinit { cpq_finish(handle) }

    /// The server's version, as `150018` for 15.18.
    public var serverVersion: Int { Int(cpq_server_version(handle)) }

    /// Whether the connection is up (false once a statement found it broken).
    public var isConnected: Bool { cpq_connected(handle) == 1 }

    /// Runs a statement that returns no rows (or whose rows are not wanted).
    ///
    /// - Throws: ``PostgresError/Kind/statementFailed`` with the SQLSTATE, or
    ///   ``PostgresError/Kind/connectionLost``.
    public func execute(_ sql: String, _ arguments: [any SQLBindable] = []) throws(PostgresError) {
        _ = try command(sql, arguments.map(\.sqlValue))
    }

    /// Runs a query and copies its rows out.
    ///
    /// - Throws: as ``execute(_:_:)``, and ``PostgresError/Kind/unsupportedType`` for a column
    ///   of a type not listed above.
    public func rows(_ sql: String, _ arguments: [any SQLBindable] = []) throws(PostgresError) -> [Row] {
        let statement = PostgresStatement(connection: self, sql: sql)
        statement.bind(arguments.map(\.sqlValue))
        var rows: [Row] = []
        while try statement.advance() { rows.append(Row(values: (0..<statement.columnCount).map { statement.column(at: $0).copied })) }
        return rows
    }

    /// Runs a statement and returns its command tag (`INSERT 0 1`, `COMMIT`).
    func command(_ sql: String, _ values: [SQLValue] = []) throws(PostgresError) -> String {
        let result = try run(sql, values)
        defer { cpq_clear(result) }
        return String(cString: cpq_command_status(result))
    }

    /// Runs SQL without parameters, several statements separated by semicolons allowed (a
    /// migration's script).
    func executeScript(_ sql: String) throws(PostgresError) {
        cpq_clear(try check(cpq_execute_script(handle, sql)))
    }

    /// Whether a transaction is open (also one a failed statement aborted).
    var isInTransaction: Bool { cpq_in_transaction(handle) == 1 }

    /// How many statements this session has prepared on the server (their names are numbered).
    private var preparedStatements = 0
    /// The prefix of those names: random per connection, so that two connections' names never
    /// meet (not even on a backend a pooler hands from one to the other).
    private let statementPrefix = "tv" + String(UInt64.random(in: .min ... .max), radix: 36)

    /// The rows the last INSERT, UPDATE or DELETE run through ``run(_:_:reuse:)`` changed.
    private(set) var changedRows = 0

    /// Sends one statement with its parameters in binary; the result succeeded. The caller
    /// clears it. With `reuse`, the statement is run as prepared on the server once it is run a
    /// second time (``ServerPreparedStatement``).
    func run(_ sql: String, _ values: [SQLValue], reuse: ServerPreparedStatement? = nil) throws(PostgresError) -> OpaquePointer {
        let parameters = PostgresParameters(values)
        let name = try reuse.flatMap { reuse throws(PostgresError) in try preparedName(of: reuse, sql, parameters.types) }
        let result: OpaquePointer? = parameters.withPointers { types, pointers, lengths, formats in
            if let name {
                cpq_execute_prepared(handle, name, Int32(values.count), pointers, lengths, formats)
            } else {
                cpq_execute(handle, sql, Int32(values.count), types, pointers, lengths, formats)
            }
        }
        let succeeded: OpaquePointer
        do {
            succeeded = try check(result)
        } catch {
            // The name is unknown to the server (26000: a pooler gave this session another
            // backend) or its plan no longer fits the table (0A000): prepare again next time.
            if name != nil, let reuse, ["26000", "0A000"].contains(error.sqlState ?? "") { reuse.forget() }
            throw error
        }
        changedRows = Int(cpq_changed_rows(succeeded))
        return succeeded
    }

    /// The name `statement` runs under on the server for parameters of `types`: it is prepared
    /// (one more round trip, once) at its second execution, as a statement run once is not
    /// worth it; nil before, and for parameter types other than the prepared ones (a NULL where
    /// a value was: the server would read the bytes as the type it inferred).
    /// A statement prepared with a NULL (type 0) where this run has a value is prepared once more
    /// for the types without NULL, so that a NULL at its second run does not leave it unprepared
    /// for the session.
    private func preparedName(of statement: ServerPreparedStatement, _ sql: String, _ types: [UInt32]) throws(PostgresError) -> String? {
        if let name = statement.name {
            guard statement.types != types else { return name }
            guard statement.types.contains(0), !types.contains(0) else { return nil }
        } else {
            statement.executions += 1
            guard statement.executions >= 2 else { return nil }
        }
        preparedStatements += 1
        let name = "\(statementPrefix)_\(preparedStatements)"
        let result = types.withUnsafeBufferPointer { cpq_prepare(handle, name, sql, Int32(types.count), $0.baseAddress) }
        cpq_clear(try check(result))
        statement.name = name
        statement.types = types
        return name
    }

    /// `result` when it succeeded; else it is cleared and the failure thrown, also when libpq
    /// returned no result at all (out of memory, or the connection broke before an answer).
    private func check(_ result: OpaquePointer?) throws(PostgresError) -> OpaquePointer {
        guard let result else { throw PostgresError(isConnected ? .statementFailed : .connectionLost) }
        guard cpq_result_status(result) == CPQ_FAILED else { return result }
        let state = cpq_result_sqlstate(result).map { String(cString: $0) }
        cpq_clear(result)
        // libpq reports a broken connection as a failed result without an SQLSTATE.
        guard let state, isConnected else { throw PostgresError(.connectionLost) }
        throw PostgresError(.statementFailed, sqlState: state)
    }

    /// Sorts libpq's English message for a failed connection into a kind. libpq 15 gives no
    /// SQLSTATE for a connection that never opened, so its wording is all there is; anything
    /// not recognised as the server refusing is taken as unreachable, the kind worth retrying.
    static func kind(ofConnectionFailure reason: String) -> PostgresError.Kind {
        if reason.contains("database \""), reason.contains("does not exist") { return .databaseMissing }
        let refusals = [
            "authentication failed", "pg_hba.conf", "no password supplied", "role \"", "permission denied", "certificate",
        ]
        return refusals.contains { reason.contains($0) } ? .refused : .unreachable
    }
}

/// A statement that is run many times on one connection (a cached ``Statement``): after its
/// second execution it is prepared on the server, which then parses and plans it once per
/// session instead of at every execution. Prepared statements outlive transactions and end
/// with the session; a new connection starts with a new cache.
final class ServerPreparedStatement {
    fileprivate var executions = 0
    /// The name it was prepared under, and its parameters' types.
    fileprivate var name: String?
    fileprivate var types: [UInt32] = []

    /// Forgets the prepared form: the statement runs unprepared, and is prepared again at its
    /// second run from now.
    fileprivate func forget() {
        name = nil
        types = []
        executions = 0
    }
}
