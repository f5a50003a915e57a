import Foundation
import Testing
import TokenVaultCrypto
import TokenVaultMigrations

@Suite("Embedded migrations")
struct MigrationListTests {
    /// The hand-written list in `EmbeddedMigrations` matches `migrations/` exactly: same files,
    /// same order, same bytes (so the checksums recorded in vaults are those of the files).
    @Test func embeddedListMatchesTheFolder() throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedMigrations.all.map(\.fileName))
        for (index, migration) in EmbeddedMigrations.all.enumerated() {
            #expect(migration.version == index + 1)
            #expect(migration.fileName.hasPrefix(String(format: "%04d_", migration.version)))
            let onDisk = try Data(contentsOf: folder.appendingPathComponent(migration.fileName))
            #expect(SHA256.hexHash([UInt8](onDisk)) == SHA256.hexHash(Array(migration.sql.utf8)))
        }
    }
}
