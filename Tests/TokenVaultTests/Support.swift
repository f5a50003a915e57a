import Foundation
import Synchronization
import TokenVaultStore

@testable import TokenVault

/// A fresh directory under the system temp dir, removed when released.
final class TemporaryDirectory {
    let path: String

    init() {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tokenvault-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// A clock tests can move.
final class TestClock: Sendable {
    private let current: Mutex<UnixTime>

    init(_ start: UnixTime = 1_800_000_000) { current = Mutex(start) }

    var now: UnixTime { current.withLock { $0 } }
    func advance(_ seconds: Int64) { current.withLock { $0 += seconds } }
    var vaultClock: VaultClock { VaultClock { [self] in self.now } }
}

/// The engine the library's tests run on: SQLite, or PostgreSQL when the test command's second
/// pass sets `TOKENVAULT_TEST_ENGINE=postgresql` (a schema of the test cluster per vault).
enum TestEngine {
    static let current: StoreEngine =
        ProcessInfo.processInfo.environment["TOKENVAULT_TEST_ENGINE"] == "postgresql" ? .postgresql : .sqlite
    /// For tests of what only a vault file has (its bytes, modes, WAL, VFS faults, `VACUUM INTO`).
    static var isSQLite: Bool { current == .sqlite }
}

/// A vault in a temporary directory (or, on PostgreSQL, in a fresh schema), unlocked with a
/// key file.
struct TestVault {
    let directory = TemporaryDirectory()
    let clock: TestClock
    let vault: Vault
    /// The vault's location: the file, or the schema's URI.
    let path: String
    var keyPath: String { directory.file("vault.key") }

    init(clock: TestClock = TestClock(), actor: String = "tester") throws {
        self.clock = clock
        try KeyFile.generate(at: directory.file("vault.key"))
        path = TestEngine.isSQLite ? directory.file("vault.db") : try TestPostgres.freshSchemaURI()
        vault = try Vault.create(
            at: path, key: .keyFile(directory.file("vault.key")), configuration: Self.configuration(clock: clock, actor: actor)
        )
    }

    static func configuration(clock: TestClock, actor: String = "tester") -> Vault.Configuration {
        var configuration = Vault.Configuration(actor: actor)
        configuration.clock = clock.vaultClock
        return configuration
    }

    /// Another handle on the same file, as another process would have.
    func reopen(actor: String = "tester") throws -> Vault {
        try Vault.open(at: path, key: .keyFile(keyPath), configuration: Self.configuration(clock: clock, actor: actor))
    }

    /// Whether the vault's storage holds `needle`: on SQLite anywhere in the file or its `-wal`
    /// (deleted pages included: the vault deletes securely); on PostgreSQL in any live row of
    /// its schema (dead row versions stay in the server's files until vacuumed, which the
    /// security model says).
    func storageContains(_ needle: [UInt8]) throws -> Bool {
        guard !TestEngine.isSQLite else { return fileContains(path, needle) || fileContains(path + "-wal", needle) }
        for table in try sql(
            "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND relkind = 'r'")
        {
            for row in try sql("SELECT * FROM \(table.string(0) ?? "")") {
                for column in 0..<row.count {
                    let bytes: [UInt8]
                    switch row[column] {
                    case .blob(let blob): bytes = blob
                    case .text(let text): bytes = Array(text.utf8)
                    default: continue
                    }
                    if contains(bytes, needle) { return true }
                }
            }
        }
        return false
    }

    /// Runs raw SQL against the file, bypassing the vault (to tamper, or to inspect).
    func sql(_ statement: String, _ arguments: [any SQLBindable] = []) throws -> [Row] {
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = 2_000
        let connection = try Connection(location: try StoreLocation(vault: path), options: options)
        return try connection.rows(statement, arguments)
    }
}

extension Secret {
    convenience init(_ text: String) { self.init(copying: Array(text.utf8)) }
    var text: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
}

func scoped(_ grants: String...) throws -> Scope {
    try Scope(grants.map { text in try Grant(parsing: text) })
}

func newCredential(_ name: String, _ grants: String..., expiresIn: Int64? = 90 * 86_400) throws -> NewCredential {
    NewCredential(
        name: name,
        scope: try Scope(grants.map { text in try Grant(parsing: text) }),
        expiry: expiresIn.map { .after(seconds: $0) } ?? .never
    )
}

/// The kind of `VaultError` thrown by `body`, or nil when it did not throw.
func errorKind(_ body: () throws -> Void) -> VaultError.Kind? {
    do {
        try body()
        return nil
    } catch let error as VaultError {
        return error.kind
    } catch {
        return .failed
    }
}

/// Whether `needle` occurs anywhere in the file at `path` (missing file: false).
func fileContains(_ path: String, _ needle: [UInt8]) -> Bool {
    guard let data = FileManager.default.contents(atPath: path) else { return false }
    return contains([UInt8](data), needle)
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}

/// The throwaway PostgreSQL cluster the test command starts and names in
/// `TOKENVAULT_TEST_POSTGRESQL`; nil where none runs.
enum TestPostgres {
    static let url: String? = ProcessInfo.processInfo.environment["TOKENVAULT_TEST_POSTGRESQL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }

    /// A connection to the test database, with `parameters` appended to its URI (later ones
    /// override earlier ones).
    static func connect(_ parameters: String = "") throws -> PostgresConnection {
        guard let url else { throw PostgresError(.invalidLocation) }
        return try PostgresConnection(location: PostgresLocation(parsing: url + parameters))
    }

    /// The URI of a fresh, empty schema of the test database.
    static func freshSchemaURI() throws -> String {
        guard let url else { throw PostgresError(.invalidLocation) }
        let name = "tv_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try connect().execute("CREATE SCHEMA \(name)")
        return url + "&options=-csearch_path%3D\(name)"
    }
}
