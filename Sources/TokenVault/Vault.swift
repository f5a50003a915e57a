internal import TokenVaultCrypto
internal import TokenVaultMigrations
internal import TokenVaultStore
internal import TokenVaultSystem

/// A credential vault in one SQLite file: tokens encrypted with AES-256-GCM, scoped,
/// expiring, and audited in a tamper-evident trail.
///
/// Open a vault once and share it: `Vault` is `Sendable`, every method is synchronous and
/// safe to call from many threads, and several processes may use one file at once.
///
/// ```swift
/// let vault = try Vault.open(at: "/var/lib/tokenvault/vault.db", key: .keyFile("/etc/tokenvault/kek"))
/// let fetched = try vault.fetch("erp-prod", need: Need(project: "shop-de", permissions: .read))
/// if let warning = fetched.warning { log(warning.description) }
/// fetched.secret.withUnsafeBytes { token in callAPI(bearer: token) }
/// ```
///
/// Every operation that reads a secret or changes the vault writes its audit event in the
/// same transaction: if the event cannot be written, the operation does not happen.
public final class Vault: Sendable {
    /// Settings for one opened vault.
    public struct Configuration: Sendable {
        /// Who is acting, recorded in every audit event. Defaults to the OS user name.
        public var actor: String
        /// Where the vault reads the time (tests inject a fixed clock).
        public var clock: VaultClock = .system
        /// How long to wait for another process's lock before failing with ``VaultError/Kind/busy``.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// `true` (the default): every commit is fsynced, so a committed rotation survives power
        /// loss. `false` trades that for speed (`synchronous=NORMAL`); a process crash still loses nothing.
        public var durableCommits = true
        /// A fetch of a credential that expires within this many seconds carries a warning.
        public var expiryWarningSeconds: Int64 = 7 * 86_400
        /// The SQLite VFS the vault's connections go through, by registered name; nil for the
        /// default. For the package's fault tests only, which register a VFS that simulates power
        /// cuts and I/O errors.
        package var vfsName: String?

        public init(actor: String? = nil) {
            self.actor = actor ?? Vault.operatingSystemUser()
        }
    }

    /// Passphrase stretching cost for a new vault (scrypt N, r, p).
    public struct PassphraseCost: Sendable, Equatable {
        public var n: UInt64
        public var r: UInt64
        public var p: UInt64

        public init(n: UInt64 = 1 << 17, r: UInt64 = 8, p: UInt64 = 1) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// N = 2^17, r = 8, p = 1 (about 0.45 s and 128 MiB on a current x86-64 core).
        public static let `default` = PassphraseCost()

        /// The lowest N a new passphrase may be stretched with: 2^15 (32 MiB with r = 8), a
        /// quarter of OWASP's scrypt minimum (2^17), left as room for small machines. Below it a
        /// guess costs an attacker next to nothing.
        public static let minimumN: UInt64 = 1 << 15

        var scrypt: Scrypt.Parameters { Scrypt.Parameters(n: n, r: r, p: p) }

        /// Refuses a cost below the floor or outside what scrypt supports.
        func validated() throws(VaultError) -> Scrypt.Parameters {
            guard n >= Self.minimumN else {
                throw .invalid("the scrypt cost N must be at least \(Self.minimumN) (2^15); the default is \(Self.default.n)")
            }
            guard scrypt.isSupported else {
                throw .invalid("scrypt parameters out of range (N a power of two up to 2^20, r ≤ 32, p ≤ 16, ≤ 1 GiB)")
            }
            return scrypt
        }
    }

    /// Where the vault is, as given: a file path, or a `postgresql://` URI (which holds no
    /// password).
    public let path: String
    /// The same, read: the engine and its address.
    let location: StoreLocation
    /// The settings it was opened with.
    public let configuration: Configuration
    let queue: DatabaseQueue
    let keyCache: KeyCache
    /// The sequence number of the event that authenticated an upgraded vault's state (0 for a
    /// vault created with it): read once, from the MAC-checked `vault_meta` row.
    let stateEpoch: Int64

    /// The unwrapped keys as of the last check (see ``KeyCache``).
    var keys: Keyring { keyCache.keyring }

    var clock: VaultClock { configuration.clock }

    /// Who calls through this handle: the declared actor of ``Configuration/actor``, or a
    /// principal the service authenticated (``acting(as:peer:onBehalfOf:)``).
    public let caller: Caller

    /// Checks and seals the rows of the vault's authenticated state.
    var stateAuthenticator: StateAuthenticator { StateAuthenticator(keys: keys, epoch: stateEpoch, checked: checkedRows) }
    /// Credential rows this vault has checked (``CheckedRows``).
    let checkedRows: CheckedRows
    /// Principal rows this vault has checked, with the principals they decode to.
    let checkedPrincipals: CheckedPrincipals

    private init(
        path: String, location: StoreLocation, configuration: Configuration, queue: DatabaseQueue, keyCache: KeyCache, stateEpoch: Int64,
        caller: Caller? = nil, checkedRows: CheckedRows = CheckedRows(), checkedPrincipals: CheckedPrincipals = CheckedPrincipals()
    ) {
        self.path = path
        self.location = location
        self.configuration = configuration
        self.queue = queue
        self.keyCache = keyCache
        self.stateEpoch = stateEpoch
        self.caller = caller ?? .declared(configuration.actor)
        self.checkedRows = checkedRows
        self.checkedPrincipals = checkedPrincipals
    }

    /// A handle on this vault for one authenticated principal of the service: its operations are
    /// audited with actor `principal:NAME`, the peer and the declared name `onBehalfOf`, and
    /// bounded by the principal's allow list and admin flag. It shares this vault's connections,
    /// keys and commits; making one costs nothing.
    ///
    /// ```swift
    /// let principal = try vault.principal(recognising: peer, bearer: token)
    /// let fetched = try vault.acting(as: principal, peer: "uid=1001 pid=4242").fetch("erp-prod", need: need)
    /// ```
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an `onBehalfOf` that is not a valid actor name.
    public func acting(as principal: Principal, peer: String, onBehalfOf: String? = nil) throws(VaultError) -> Vault {
        let onBehalfOf = try onBehalfOf.map { name throws(VaultError) in try Labels.label(name, what: "on-behalf-of name", limit: 100) }
        return with(caller: .principal(principal, peer: peer, onBehalfOf: onBehalfOf))
    }

    /// This vault, called by `caller`.
    func with(caller: Caller) -> Vault {
        Vault(
            path: path, location: location, configuration: configuration, queue: queue, keyCache: keyCache, stateEpoch: stateEpoch,
            caller: caller,
            checkedRows: checkedRows, checkedPrincipals: checkedPrincipals
        )
    }

    // MARK: - Creating and opening

    /// Creates a new vault: a file with mode 0600 (and, when missing, its directory with mode
    /// 0700), or the tables of a vault in an empty PostgreSQL schema.
    ///
    /// The vault gets a random id and two random 256-bit keys (data and MAC), wrapped by the
    /// key-encryption key from `key`, and the ERP's issuer policy (``IssuerPolicy/erpDefault``),
    /// set by its own audited event. Nothing is left behind if creation fails: the file is
    /// removed; in PostgreSQL, the schema check, the tables and the first rows are one
    /// transaction.
    ///
    /// ```swift
    /// let vault = try Vault.create(at: path, key: .keyFile(keyPath))
    /// let shared = try Vault.create(at: "postgresql:///vaults?host=/run/postgresql", key: .keyFile(keyPath))
    /// ```
    ///
    /// - Parameters:
    ///   - path: where to create the vault: a file path, where nothing may exist, not even a
    ///     symbolic link; or a `postgresql://` URI without a password, whose current schema
    ///     must hold nothing.
    ///   - key: the key-encryption key's source.
    ///   - cost: scrypt's cost when `key` is a passphrase (stored in the vault).
    /// - Throws: ``VaultError/Kind/invalidInput`` when the path exists or the schema holds
    ///   anything, the passphrase is shorter than 12 characters or `passphraseCost` is below
    ///   ``PassphraseCost/minimumN``; ``VaultError/Kind/locked`` when the key cannot be read or
    ///   PostgreSQL refuses the login; ``VaultError/Kind/unavailable`` when it cannot be reached.
    public static func create(
        at path: String,
        key: KeySource,
        configuration: Configuration = Configuration(),
        passphraseCost: PassphraseCost = .default
    ) throws(VaultError) -> Vault {
        let location = try StoreLocation(vault: path)
        if case .file(let file) = location {
            try system { () throws(SystemError) in try Files.requireNoSymbolicLink(file) }
            guard Files.kind(at: file) == .missing else {
                throw .invalid("a vault (or another file) already exists at '\(printable(file))'")
            }
        }
        try validate(configuration)
        let cost = try passphraseCost.validated()
        let vaultID = try randomBytes(16)
        let (kek, salt) = try newKeyEncryptionKey(from: key, cost: cost)
        let first = FirstRows(
            vaultID: vaultID, kek: kek, salt: salt, cost: cost, dataKey: try generateKey(), macKey: try generateKey(),
            actor: configuration.actor, at: configuration.clock.now
        )
        switch location {
        case .file(let file):
            try system { () throws(SystemError) in
                try Files.makeDirectories(Files.parent(of: file))
                try Files.createPrivateFile(file)
            }
            do {
                let queue = try openQueue(location, configuration: configuration)
                _ = try mapErrors { try migrator(for: .sqlite).migrate(queue) }
                try mapErrors { try queue.write { db in try first.write(db) } }
            } catch {
                Files.removeVaultFiles(file)
                throw error
            }
        case .postgresql:
            let queue = try openQueue(location, configuration: configuration)
            try mapErrors {
                try queue.write { db in
                    try PostgresVaultCatalog.read(db).require(creating: true)
                    try migrator(for: .postgresql).migrate(inTransaction: db)
                    try first.write(db)
                }
            }
        }
        return try open(at: path, key: key, configuration: configuration, kek: kek)
    }

    /// What a new vault starts with: its header, its two keys wrapped, its sealed state, the
    /// `init` event and the default issuer policy.
    private struct FirstRows {
        let vaultID: [UInt8]
        let kek: SymmetricKey
        let salt: [UInt8]?
        let cost: Scrypt.Parameters
        let dataKey: SymmetricKey
        let macKey: SymmetricKey
        let actor: String
        let at: UnixTime

        func write(_ db: Connection) throws {
            try VaultMetaTable.insert(
                db, vaultID: vaultID, createdAt: at, kekKind: salt == nil ? .key : .scrypt, salt: salt,
                n: salt.map { _ in Int64(cost.n) }, r: salt.map { _ in Int64(cost.r) }, p: salt.map { _ in Int64(cost.p) }
            )
            for (id, purpose, material) in [(Int64(1), Keyring.Purpose.data, dataKey), (2, .mac, macKey)] {
                let wrapped = try Keyring.wrap(material, id: id, purpose: purpose, vaultID: vaultID, kek: kek)
                try KeyTable.insert(db, id: id, purpose: purpose, wrapped: wrapped, createdAt: at)
            }
            let keys = try Keyring.unlock(db, meta: try VaultMeta.read(db), kek: kek)
            try StoredMeta.seal(db, keys: keys)
            try AuditLog.append(AuditRecord(.initialize), caller: .declared(actor), at: at, keys: keys, db: db)
            try IssuerPolicies.installDefault(db, keys: keys, caller: .declared(actor), at: at)
        }
    }

    /// Opens an existing vault and unlocks it.
    ///
    /// The file is checked to be a TokenVault vault before anything is written to it. Pending
    /// schema migrations are then applied, each in its own transaction; a vault of schema 5 gets
    /// its state authenticated as it stands, with one audited event (`authenticate-state`).
    ///
    /// - Throws: ``VaultError/Kind/notFound`` when there is no file at `path`;
    ///   ``VaultError/Kind/invalidInput`` when `path` is a symbolic link;
    ///   ``VaultError/Kind/locked`` for a wrong key or passphrase, or a vault file (or its `-wal`
    ///   or `-shm`) that other users may read or write;
    ///   ``VaultError/Kind/integrity`` for a damaged file, a file that is not a vault, one written
    ///   by a newer TokenVault, or a vault header that fails its MAC;
    ///   ``VaultError/Kind/busy`` when another process holds the lock past the busy timeout.
    public static func open(
        at path: String,
        key: KeySource,
        configuration: Configuration = Configuration()
    ) throws(VaultError) -> Vault {
        try open(at: path, key: key, configuration: configuration, kek: nil)
    }

    static func open(
        at path: String,
        key: KeySource,
        configuration: Configuration,
        kek knownKEK: SymmetricKey?
    ) throws(VaultError) -> Vault {
        let location = try StoreLocation(vault: path)
        if case .file(let file) = location {
            try requireVaultFile(at: file)
            try requireVaultDatabase(at: file)
            try system { () throws(SystemError) in try Files.requirePrivateVaultFiles(file) }
        }
        try validate(configuration)
        let queue = try openQueue(location, configuration: configuration)
        switch location {
        case .file:
            // A WAL database of another program: opening it changed nothing; refuse it before the
            // migrator would add the vault's tables to it.
            let tables = try mapErrors { try queue.read { db in try db.tableNames() } }
            guard tables.contains("vault_meta"), tables.contains("schema_migrations") else { throw notAVault(path) }
        case .postgresql:
            try mapErrors { try queue.read { db in try PostgresVaultCatalog.read(db) } }.require(creating: false)
        }
        // The header and keys are read with the columns every schema has, so that the keys are
        // open when a migration needs them (the upgrade to authenticated state does).
        let meta = try mapErrors { try queue.read { db in try VaultMeta.read(db) } }
        let kek: SymmetricKey
        if let knownKEK { kek = knownKEK } else { kek = try meta.keyEncryptionKey(from: key) }
        let keys = try mapErrors { try queue.read { db in try Keyring.unlock(db, meta: meta, kek: kek) } }
        let applied = try mapErrors {
            try migrator(for: location.engine).migrate(queue) { version, db in
                if version == StateUpgrade.schemaVersion {
                    try StateUpgrade.authenticate(db, keys: keys, actor: configuration.actor, at: configuration.clock.now)
                }
            }
        }
        if !applied.isEmpty {
            // A migration may rewrite every row (the upgrade seals a million credentials in one
            // transaction): fold the WAL it left into the file, so that later processes do not
            // each read it back.
            _ = try? queue.withConnection { db in Records.foldWriteAheadLog(db) }
        }
        let epoch = try mapErrors {
            try queue.read { db in
                if let object = try SchemaObjects.unexpected(db).first {
                    throw VaultError(
                        .integrity, "the vault holds an object TokenVault did not create (\(printable(object))): it was altered",
                        hint: "run `tokenvault audit verify`, and restore the vault from a trusted backup"
                    )
                }
                return try StoredMeta.verifiedEpoch(db, keys: keys)
            }
        }
        return Vault(
            path: path, location: location, configuration: configuration, queue: queue, keyCache: KeyCache(kek: kek, keyring: keys),
            stateEpoch: epoch
        )
    }

    /// Refuses a file that is not a TokenVault vault (an empty file, an SQLite database in
    /// rollback-journal mode, anything else) by its header, before anything is written to it:
    /// opening for writing would turn on WAL mode. A WAL database without the vault's tables is
    /// refused by ``open(at:key:configuration:)`` before migrating, on its own connection.
    static func requireVaultDatabase(at path: String) throws(VaultError) {
        guard let header = Files.prefix(of: path, count: 100), Records.isWALDatabaseHeader(header) else { throw notAVault(path) }
    }

    private static func notAVault(_ path: String) -> VaultError {
        VaultError(.integrity, "'\(printable(path))' is not a TokenVault vault", hint: "create one with `tokenvault init`")
    }

    /// Refuses a vault path that is missing, not a regular file, or has a symbolic link in any
    /// component; every way of opening a vault file starts here.
    static func requireVaultFile(at path: String) throws(VaultError) {
        try system { () throws(SystemError) in try Files.requireNoSymbolicLink(path) }
        switch Files.kind(at: path) {
        case .regular: break
        case .missing:
            throw VaultError(.notFound, "no vault at '\(printable(path))'", hint: "create one with `tokenvault init`")
        case .symbolicLink, .directory, .other:
            throw .invalid("'\(printable(path))' is not a vault file")
        }
    }

    /// A KEK for a new vault or a rekey: the raw key, or the passphrase stretched with a fresh
    /// salt (returned, to be stored with the cost).
    static func newKeyEncryptionKey(from key: KeySource, cost: Scrypt.Parameters) throws(VaultError) -> (SymmetricKey, salt: [UInt8]?) {
        guard let passphrase = try key.passphraseBytes() else { return (try key.rawKey(), nil) }
        guard passphrase.count >= KeySource.minimumPassphraseLength else {
            throw .invalid("the passphrase must be at least \(KeySource.minimumPassphraseLength) characters")
        }
        let salt = try randomBytes(16)
        do {
            return (try Scrypt.deriveKey(from: passphrase, salt: salt, parameters: cost), salt)
        } catch {
            throw .failed("scrypt failed (not enough memory?)")
        }
    }

    static func openQueue(_ location: StoreLocation, configuration: Configuration) throws(VaultError) -> DatabaseQueue {
        var options = Connection.Options()
        options.busyTimeoutMilliseconds = configuration.busyTimeoutMilliseconds
        options.durability = configuration.durableCommits ? .full : .normal
        options.vfsName = configuration.vfsName
        return try mapErrors { try DatabaseQueue(location: location, options: options) }
    }

    private static func validate(_ configuration: Configuration) throws(VaultError) {
        _ = try Labels.label(configuration.actor, what: "actor", limit: 100)
    }

    /// The migrations of each engine's schema.
    static func migrator(for engine: StoreEngine) -> Migrator {
        switch engine {
        case .sqlite: sqliteMigrator
        case .postgresql: postgresMigrator
        }
    }

    private static let sqliteMigrator = migrator(EmbeddedMigrations.all)
    private static let postgresMigrator = migrator(EmbeddedMigrations.postgresql)

    private static func migrator(_ migrations: [EmbeddedMigrations.Migration]) -> Migrator {
        Migrator(
            migrations: migrations.map {
                Migrator.Migration(version: $0.version, name: $0.fileName, sql: $0.sql, checksum: SHA256.hexHash(Array($0.sql.utf8)))
            }
        )
    }

    /// The user name of the effective user, or `uid:N` when it has none.
    public static func operatingSystemUser() -> String {
        ProcessIdentity.userName
    }
}
