// swift-tools-version:6.2
import PackageDescription

/// Settings shared by every Swift target: Swift 6 mode, no warnings, explicit existentials,
/// and imports that stay internal unless a module says `public import`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "tokenvault",
    products: [
        .library(name: "TokenVault", targets: ["TokenVault"]),
        .executable(name: "tokenvault", targets: ["TokenVaultTool"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPosix"),
        // libssl through dlopen, on first use (the commands that never speak TLS do not load it),
        // behind a small C API; libcrypto is linked through COpenSSL.
        .target(name: "CTLS", dependencies: ["COpenSSL"], linkerSettings: [.linkedLibrary("dl")]),
        // libpq through dlopen, on first use, for vaults kept in PostgreSQL: it is not linked,
        // because loading it (and the twenty libraries it needs) slows every start of the CLI.
        // Its header comes from libpq-dev.
        .target(name: "CPostgres", linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "TokenVaultMigrations",
            resources: [.embedInCode("sql"), .embedInCode("sql-postgresql")],
            swiftSettings: strictSettings
        ),
        .target(name: "TokenVaultStore", dependencies: ["CSQLite", "CPostgres"], swiftSettings: strictSettings),
        .target(name: "TokenVaultCrypto", dependencies: ["COpenSSL"], swiftSettings: strictSettings),
        // Files, processes, the clock, directory walks and the text sanitiser: the one module
        // above C that speaks to the operating system (Glibc), for the library and the CLI.
        .target(name: "TokenVaultSystem", dependencies: ["TokenVaultCrypto", "CPosix"], swiftSettings: strictSettings),
        .target(
            name: "TokenVault",
            dependencies: ["TokenVaultStore", "TokenVaultCrypto", "TokenVaultSystem", "TokenVaultMigrations"],
            swiftSettings: strictSettings
        ),
        // TLS sessions for `serve --listen` and the CLI as its client: contexts from PEM files,
        // non-blocking handshakes, reads and writes, the peer certificate's fingerprint.
        .target(name: "TokenVaultTLS", dependencies: ["CTLS", "TokenVaultSystem", "TokenVaultCrypto"], swiftSettings: strictSettings),
        // A strict HTTP/1.1 subset over bytes (no sockets): request parsing and response
        // serialization for the service, response parsing for the CLI as its client. No
        // dependencies; used by the fuzzer and its tests, later by the service and the client.
        .target(name: "TokenVaultHTTP", swiftSettings: strictSettings),
        // JSON values, their renderer and a strict parser (RFC 8259, integers only): the CLI's
        // --json output and the wire format of the service. TokenVaultSystem for DisplayText.
        .target(name: "TokenVaultJSON", dependencies: ["TokenVaultSystem"], swiftSettings: strictSettings),
        // How the library's values are written out (JSON, CSV, text cells): the CLI's output and
        // the service's API bodies, one definition for both, so the CLI as a client prints the same.
        .target(name: "TokenVaultWire", dependencies: ["TokenVault", "TokenVaultJSON", "TokenVaultSystem"], swiftSettings: strictSettings),
        // The admin report as one self-contained HTML page with inline SVG charts, written as
        // the library streams the report: for `report --html` and `GET /v1/report.html`.
        .target(name: "TokenVaultReportHTML", dependencies: ["TokenVault"], swiftSettings: strictSettings),
        // `tokenvault serve`: the server engine (a poll loop and a worker pool around a request
        // handler on a Unix socket, knowing nothing of vaults; every system call through
        // TokenVaultSystem, no Glibc here) and the vault's API v1 on top of it.
        .target(
            name: "TokenVaultService",
            dependencies: [
                "TokenVault", "TokenVaultHTTP", "TokenVaultJSON", "TokenVaultWire", "TokenVaultSystem", "TokenVaultReportHTML", "TokenVaultTLS",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TokenVaultCLI",
            dependencies: [
                "TokenVault", "TokenVaultSystem", "TokenVaultWire", "TokenVaultJSON", "TokenVaultService", "TokenVaultHTTP", "TokenVaultReportHTML",
                "TokenVaultTLS",
            ],
            swiftSettings: strictSettings
        ),
        // Release builds link the Swift runtime in (-static-stdlib): `tokenvault` starts about
        // 2 ms sooner without loading it from shared libraries (docs/performance.md). Debug
        // builds do not: the test bundles, which link this module, need the shared runtime.
        .executableTarget(
            name: "TokenVaultTool",
            dependencies: ["TokenVaultCLI"],
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
        ),
        // Benchmarks (scripts/bench.sh): the public library API only, built in release mode.
        .executableTarget(name: "TokenVaultBench", dependencies: ["TokenVault"], swiftSettings: strictSettings),
        // Fuzzing (scripts/fuzz.sh): one entry point for every untrusted-input parser, the
        // libFuzzer binary around it, and a corpus replayed by the tests.
        .target(
            name: "TokenVaultFuzzing",
            dependencies: ["TokenVault", "TokenVaultCrypto", "TokenVaultHTTP", "TokenVaultJSON"],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "TokenVaultFuzz", dependencies: ["TokenVaultFuzzing"], swiftSettings: strictSettings),
        // Fault tests (scripts/fault-test.sh and the suite): a SQLite VFS that simulates power
        // cuts and I/O errors (C, as SQLite's own test VFS is), the campaign that runs every
        // write path through it, and its command-line driver. Nothing in the product links them.
        .target(name: "CFaultVFS", dependencies: ["CSQLite"]),
        .target(
            name: "TokenVaultFaults", dependencies: ["TokenVault", "TokenVaultStore", "CFaultVFS"], swiftSettings: strictSettings
        ),
        .executableTarget(name: "TokenVaultFaultTest", dependencies: ["TokenVaultFaults"], swiftSettings: strictSettings),
        .testTarget(
            name: "TokenVaultStoreTests",
            dependencies: ["TokenVaultStore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultCryptoTests",
            dependencies: ["TokenVaultCrypto"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultHTTPTests",
            dependencies: ["TokenVaultHTTP"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultJSONTests",
            dependencies: ["TokenVaultJSON"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultServiceTests",
            dependencies: ["TokenVaultService", "TokenVaultHTTP", "TokenVaultSystem"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultTests",
            dependencies: [
                "TokenVault", "TokenVaultStore", "TokenVaultCrypto", "TokenVaultSystem", "TokenVaultMigrations", "TokenVaultFuzzing",
                "TokenVaultFaults",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultCLITests",
            dependencies: [
                "TokenVaultCLI", "TokenVault", "TokenVaultJSON", "TokenVaultStore", "TokenVaultSystem", "TokenVaultTool", "TokenVaultWire",
                "TokenVaultReportHTML",
            ],
            // Python clients of `tokenvault serve` that ServiceTests runs (and scripts/kill-test.sh).
            exclude: ["Scripts"],
            swiftSettings: strictSettings
        ),
    ]
)
