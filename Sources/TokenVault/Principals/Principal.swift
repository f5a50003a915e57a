/// A caller of the service (`tokenvault serve`): who it is recognised as, what it may fetch,
/// and whether it may manage the vault.
///
/// ```swift
/// let (connector, _) = try vault.addPrincipal(
///     "procuros", recognisedBy: .uid(1001),
///     allow: [try AllowEntry(parsing: "erp-prod:shop-de:orders:r")]
/// )
/// connector.actor  // "principal:procuros"
/// ```
///
/// Principals are authenticated state: a writer of the vault file who holds no key can neither
/// add one, nor widen one's allow list, nor make one an admin (docs/security-model.md).
public struct Principal: Sendable, Hashable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(id: String, name: String, recognisedBy: Recognition, isAdmin: Bool, allow: [AllowEntry], createdAt: UnixTime) {
        self.id = id
        self.name = name
        self.recognisedBy = recognisedBy
        self.isAdmin = isAdmin
        self.allow = allow
        self.createdAt = createdAt
    }

    /// How the service recognises a principal's connections.
    public enum Recognition: Sendable, Hashable, CustomStringConvertible {
        /// Connections from processes running as this user id (the kernel's peer credentials).
        case uid(UInt32)
        /// Connections from processes whose primary group is this group id, when no principal
        /// has their user id.
        case gid(UInt32)
        /// A bearer access token (`Authorization: Bearer tva_…`), known by its public id.
        case token(id: String)
        /// A client certificate presented to the TLS listener, by its SHA-256 fingerprint
        /// (lowercase hex).
        case certificate(sha256: String)
        /// A systemd unit that loads credentials through the credentials socket
        /// (`LoadCredential=`), by its name.
        case unit(String)

        public var description: String {
            switch self {
            case .uid(let uid): "uid \(uid)"
            case .gid(let gid): "gid \(gid)"
            case .token(let id): "token \(id)"
            case .certificate(let fingerprint): "certificate sha256:\(fingerprint)"
            case .unit(let unit): "unit \(unit)"
            }
        }
    }

    /// Its immutable id (`prn_…`), which its audit events carry.
    public let id: String
    /// Its unique name (at most 50 characters, like a credential's).
    public let name: String
    public let recognisedBy: Recognition
    /// Whether it may manage credentials, principals and the audit trail.
    public let isAdmin: Bool
    /// The credentials it may fetch, and for which needs.
    public let allow: [AllowEntry]
    public let createdAt: UnixTime

    /// The actor its audit events record: `principal:NAME`.
    public var actor: String { "principal:" + name }

    /// Whether it may fetch (or verify a token of) the credential `name` for `need`: the need
    /// must be covered by one of its allow entries (the credential's own grants are checked too,
    /// by the fetch).
    public func allows(_ name: String, for need: Need) -> Bool {
        allow.contains { $0.permits(name, need) }
    }

    /// The need a delivery of the credential `name` is fetched for, when nobody declares one (a
    /// unit loading it through the credentials socket): the grant of the allow entry naming it,
    /// or else of an entry for every credential, with `*` parts left unchecked (the credential's
    /// grants must still cover it). Nil when no entry names it.
    ///
    /// ```swift
    /// // allow: erp-prod:shop-de:orders:r
    /// principal.deliveryNeed(for: "erp-prod")  // Need(project: "shop-de", resource: "orders", permissions: .read)
    /// ```
    public func deliveryNeed(for name: String) -> Need? {
        let entry = allow.first { $0.grant != nil && $0.credential == name } ?? allow.first { $0.names(name) }
        guard let grant = entry?.grant else { return nil }
        return Need(
            project: grant.project == Grant.wildcard ? nil : grant.project,
            resource: grant.resource == Grant.wildcard ? nil : grant.resource,
            permissions: grant.permissions
        )
    }

    /// Whether it may see the credential `name` at all (listings, `show`, `expiring`): an admin
    /// sees every credential, another principal those its allow entries name.
    public func mayView(_ name: String) -> Bool {
        isAdmin || allow.contains { $0.names(name) }
    }

    /// Whether it may read the service's metrics.
    public var mayReadMetrics: Bool { isAdmin || allow.contains(.metrics) }
}

/// One entry of a principal's allow list: a credential (or `*`, every credential) and the
/// needs it may be fetched for, written `CREDENTIAL:PROJECT:RESOURCE:PERMS`; or `metrics`.
///
/// ```swift
/// let entry = try AllowEntry(parsing: "erp-prod:shop-de:*:r")
/// entry.permits("erp-prod", Need(project: "shop-de", resource: "orders", permissions: .read))  // true
/// ```
public struct AllowEntry: Sendable, Hashable, CustomStringConvertible {
    /// A credential's name, or `*` for any.
    public let credential: String
    /// The needs it covers; nil for the `metrics` entry.
    public let grant: Grant?

    /// Reading the service's Prometheus metrics.
    public static let metrics = AllowEntry(credential: "metrics", grant: nil)

    private init(credential: String, grant: Grant?) {
        self.credential = credential
        self.grant = grant
    }

    /// Parses `CREDENTIAL:PROJECT:RESOURCE:PERMS` (`*` for any credential, project or resource)
    /// or `metrics`.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for any other shape, a bad name or a bad grant.
    public init(parsing text: String) throws(VaultError) {
        if text == "metrics" {
            self = .metrics
            return
        }
        guard let colon = text.firstIndex(of: ":") else {
            throw .invalid("invalid allow entry '\(printable(text))': use CREDENTIAL:PROJECT:RESOURCE:PERMS (or metrics)")
        }
        let credential = String(text[..<colon])
        let name = credential == Grant.wildcard ? credential : try Labels.name(credential)
        self.init(credential: name, grant: try Grant(parsing: String(text[text.index(after: colon)...])))
    }

    /// Whether the entry names the credential `name` (or every credential).
    func names(_ name: String) -> Bool {
        grant != nil && (credential == Grant.wildcard || credential == name)
    }

    /// Whether the entry allows fetching the credential `name` for `need`.
    func permits(_ name: String, _ need: Need) -> Bool {
        guard let grant, names(name) else { return false }
        return grant.covers(need)
    }

    public var description: String { grant.map { "\(credential):\($0)" } ?? credential }
}
