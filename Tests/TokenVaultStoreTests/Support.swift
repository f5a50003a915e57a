import Foundation
import Testing

@testable import TokenVaultStore

/// Runs `body` with the path of a fresh, empty directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tokenvault-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

extension Connection.Options {
    /// Options that create the file, with the given durability and busy timeout.
    static func creating(
        durability: Connection.Durability = .full,
        busyTimeoutMilliseconds: Int32 = 5_000
    ) -> Connection.Options {
        var options = Connection.Options()
        options.create = true
        options.durability = durability
        options.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        return options
    }
}

extension Connection {
    /// The single integer a query returns (a pragma, a count).
    func integer(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> Int64? {
        try row(sql, arguments)?.int64(0)
    }
}

extension DatabaseQueue {
    /// `SELECT count(*) FROM table`, in a read transaction.
    func count(_ table: String) throws -> Int64 {
        try read { db in try db.integer("SELECT count(*) FROM \(table)") ?? -1 }
    }

    /// Whether a table of that name exists.
    func tableExists(_ name: String) throws -> Bool {
        try read { db in
            try db.row("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", [name]) != nil
        }
    }
}

/// The throwaway PostgreSQL cluster the test command starts (`scripts/pg-test-cluster.sh`)
/// and names in `TOKENVAULT_TEST_POSTGRESQL`; nil where none runs.
enum TestPostgres {
    static let url: String? = ProcessInfo.processInfo.environment["TOKENVAULT_TEST_POSTGRESQL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }

    /// The test cluster's URI with `parameters` appended (later ones override earlier ones).
    static func location(_ parameters: String = "") throws -> PostgresLocation {
        try PostgresLocation(parsing: try #require(url) + parameters)
    }

    /// A connection to the test database.
    static func connect(_ parameters: String = "") throws -> PostgresConnection {
        try PostgresConnection(location: location(parameters))
    }
}
