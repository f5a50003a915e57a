/// A failure reported by SQLite, reduced to what is safe to show.
///
/// `StoreError` carries the SQLite result code and SQLite's own English message for it
/// (`sqlite3_errmsg`), never the SQL's bound values: those are ciphertexts, hashes and
/// names. There is deliberately no "expanded description" that would include them.
///
/// Match on the primary code with `~=`:
///
/// ```swift
/// do { try queue.write { db in … } }
/// catch let error as StoreError where error.code.isBusy { … }
/// ```
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The extended result code returned by SQLite; for PostgreSQL, the nearest SQLite code
    /// (a unique violation is ``ResultCode/uniqueConstraint``, a lock time-out ``ResultCode/busy``,
    /// a write in a read-only transaction ``ResultCode/readOnly``, anything else ``ResultCode/error``),
    /// so that callers test one set of predicates.
    public let code: ResultCode
    /// SQLite's message for the failure (never contains bound values); for PostgreSQL, the
    /// ``PostgresError``'s own text.
    public let message: String
    /// The failure on a PostgreSQL connection, nil on SQLite.
    public let postgres: PostgresError?

    public init(code: ResultCode, message: String) {
        self.code = code
        self.message = message
        self.postgres = nil
    }

    /// A PostgreSQL failure, with its nearest SQLite code.
    public init(postgres error: PostgresError) {
        self.postgres = error
        self.message = error.description
        self.code =
            switch error.sqlState {
            case "23505": .uniqueConstraint
            case "55P03", "40P01", "40001": .busy
            case "25006": .readOnly
            default: .error
            }
    }

    public var description: String { postgres.map { "\($0)" } ?? "SQLite error \(code.rawValue): \(message)" }
}

extension StoreError {
    /// Runs a call on a PostgreSQL connection; its failure becomes a ``StoreError``.
    static func fromPostgres<T>(_ body: () throws(PostgresError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError(postgres: error) }
    }
}

/// The database engine behind a ``Connection``.
public enum StoreEngine: Sendable, Equatable {
    case sqlite
    case postgresql
}

/// An SQLite result code (extended codes included). See <https://sqlite.org/rescode.html>.
public struct ResultCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (the low 8 bits of an extended code).
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    public static let ok = ResultCode(rawValue: 0)
    public static let error = ResultCode(rawValue: 1)
    public static let permission = ResultCode(rawValue: 3)
    public static let busy = ResultCode(rawValue: 5)
    public static let locked = ResultCode(rawValue: 6)
    public static let readOnly = ResultCode(rawValue: 8)
    public static let ioError = ResultCode(rawValue: 10)
    public static let corrupt = ResultCode(rawValue: 11)
    public static let full = ResultCode(rawValue: 13)
    public static let cantOpen = ResultCode(rawValue: 14)
    public static let constraint = ResultCode(rawValue: 19)
    /// A library used wrongly: here, a statement bound with the wrong number of arguments.
    public static let misuse = ResultCode(rawValue: 21)
    public static let notADatabase = ResultCode(rawValue: 26)
    public static let row = ResultCode(rawValue: 100)
    public static let done = ResultCode(rawValue: 101)
    /// `SQLITE_CONSTRAINT_UNIQUE` and `SQLITE_CONSTRAINT_PRIMARYKEY`.
    /// `SQLITE_IOERR_FSYNC`: a sync failed, as at a commit whose outcome is then unknown.
    public static let syncError = ResultCode(rawValue: 10 | (4 << 8))
    public static let uniqueConstraint = ResultCode(rawValue: 19 | (8 << 8))
    public static let primaryKeyConstraint = ResultCode(rawValue: 19 | (6 << 8))

    /// Whether another connection held a lock for longer than the busy timeout.
    public var isBusy: Bool { primary == .busy || primary == .locked }
    /// Whether the file is damaged or is not an SQLite database.
    public var isCorruption: Bool { primary == .corrupt || primary == .notADatabase }
    /// Whether a UNIQUE or PRIMARY KEY constraint failed.
    public var isUniqueViolation: Bool { self == .uniqueConstraint || self == .primaryKeyConstraint }

    /// Matches an extended code against a primary one: `case .busy:` matches `SQLITE_BUSY_SNAPSHOT`.
    public static func ~= (pattern: ResultCode, code: ResultCode) -> Bool {
        pattern == code || pattern == code.primary
    }
}
