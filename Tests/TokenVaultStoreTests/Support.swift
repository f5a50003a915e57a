import Foundation

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
