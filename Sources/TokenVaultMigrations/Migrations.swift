/// The vault schema's migrations, embedded in the binary in the order they apply.
///
/// Each file in `migrations/` (reached through the `sql` symlink) becomes a
/// `PackageResources` byte array at build time. `PackageResources` cannot be enumerated,
/// so the list is written out here; `MigrationListTests` checks it against the folder.
public enum EmbeddedMigrations {
    /// One numbered migration: its version, file name and SQL text.
    public struct Migration: Sendable {
        /// The number at the start of the file name (`0001_initial.sql` → 1).
        public let version: Int
        /// The file name, for messages and the `schema_migrations` record.
        public let fileName: String
        /// The SQL text, run as one script inside one transaction.
        public let sql: String
    }

    /// All migrations, ascending by version.
    public static let all: [Migration] = [
        Migration(version: 1, fileName: "0001_initial.sql", sql: decode(PackageResources._001_initial_sql)),
        Migration(version: 2, fileName: "0002_rotation.sql", sql: decode(PackageResources._002_rotation_sql)),
        Migration(version: 3, fileName: "0003_audit_seals.sql", sql: decode(PackageResources._003_audit_seals_sql)),
        Migration(version: 4, fileName: "0004_audit_outcome_check.sql", sql: decode(PackageResources._004_audit_outcome_check_sql)),
        Migration(version: 5, fileName: "0005_audit_name_indexes.sql", sql: decode(PackageResources._005_audit_name_indexes_sql)),
        Migration(version: 6, fileName: "0006_authenticated_state.sql", sql: decode(PackageResources._006_authenticated_state_sql)),
        Migration(version: 7, fileName: "0007_principals.sql", sql: decode(PackageResources._007_principals_sql)),
        Migration(version: 8, fileName: "0008_issuer_loop.sql", sql: decode(PackageResources._008_issuer_loop_sql)),
        Migration(version: 9, fileName: "0009_report_indexes.sql", sql: decode(PackageResources._009_report_indexes_sql)),
        Migration(version: 10, fileName: "0010_remote_principals.sql", sql: decode(PackageResources._010_remote_principals_sql)),
    ]

    /// The PostgreSQL schema's migrations (`migrations-postgresql/`, through the
    /// `sql-postgresql` symlink): a PostgreSQL vault is born at version 10, the schema SQLite's
    /// ten migrations make, from one baseline; later versions add a file for each engine.
    public static let postgresql: [Migration] = [
        Migration(version: 10, fileName: "0010_postgresql_baseline.sql", sql: decode(PackageResources._010_postgresql_baseline_sql))
    ]

    private static func decode(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
