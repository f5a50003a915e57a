/// One grant of a credential's scope: permissions on a resource of a project.
///
/// `*` as project or resource matches any. Written on the command line as
/// `project:resource:permissions`, e.g. `shop-de:orders:cr` or `*:*:r`.
public struct Grant: Sendable, Hashable, CustomStringConvertible {
    public static let wildcard = "*"

    public let project: String
    public let resource: String
    public let permissions: Permissions

    /// A grant on `project` and `resource` (either may be `*`).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for a project or resource that is empty,
    ///   longer than 100 characters, or contains `:`, a control character or outer spaces.
    public init(project: String, resource: String, permissions: Permissions) throws(VaultError) {
        self.project = try Labels.scopePart(project, what: "project")
        self.resource = try Labels.scopePart(resource, what: "resource")
        self.permissions = permissions
    }

    /// Parses `project:resource:permissions`.
    public init(parsing text: String) throws(VaultError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .invalid("invalid grant '\(printable(text))': use project:resource:permissions, as in shop:orders:cr")
        }
        try self.init(
            project: String(parts[0]),
            resource: String(parts[1]),
            permissions: Permissions(parsing: String(parts[2]))
        )
    }

    /// The unlimited grant of a legacy token: every project, every resource, CRUD.
    public static let unlimited = try! Grant(project: wildcard, resource: wildcard, permissions: .all)

    /// Whether this grant's project and resource include `other`'s.
    func includesTarget(of other: Grant) -> Bool {
        (project == Self.wildcard || project == other.project)
            && (resource == Self.wildcard || resource == other.resource)
    }

    /// Whether this grant alone satisfies `need`. A part the need leaves out is not checked.
    public func covers(_ need: Need) -> Bool {
        if let wanted = need.project, project != Self.wildcard, project != wanted { return false }
        if let wanted = need.resource, resource != Self.wildcard, resource != wanted { return false }
        if let wanted = need.permissions, !permissions.isSuperset(of: wanted) { return false }
        return true
    }

    public var description: String { "\(project):\(resource):\(permissions)" }
}

/// What a caller declares it needs when it fetches or verifies a credential.
///
/// Each part is optional; a part left out is not checked, and the audit trail records the
/// need exactly as given.
///
/// ```swift
/// let need = Need(project: "shop-de", resource: "orders", permissions: .read)
/// ```
public struct Need: Sendable, Hashable {
    public var project: String?
    public var resource: String?
    public var permissions: Permissions?

    public init(project: String? = nil, resource: String? = nil, permissions: Permissions? = nil) {
        self.project = project
        self.resource = resource
        self.permissions = permissions
    }

    /// A need that checks nothing (only that the credential is live).
    public static let any = Need()

    /// The need checked for validity of its parts.
    func validated() throws(VaultError) -> Need {
        var copy = self
        copy.project = try project.map { value throws(VaultError) in try Labels.scopePart(value, what: "project") }
        copy.resource = try resource.map { value throws(VaultError) in try Labels.scopePart(value, what: "resource") }
        return copy
    }
}

/// A credential's scope: a normalised set of grants.
///
/// Grants on the same project and resource merge (their permissions unite), and a grant
/// whose target and permissions are included in another's is dropped, so the stored set is
/// minimal and order-independent.
public struct Scope: Sendable, Hashable {
    /// The grants, sorted by project, then resource.
    public let grants: [Grant]

    /// Normalises `grants`.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when `grants` is empty: a credential
    ///   with no grant could never be used, which is always a mistake.
    public init(_ grants: [Grant]) throws(VaultError) {
        guard !grants.isEmpty else {
            throw .invalid(
                "a credential needs at least one grant",
                hint: "give --grant project:resource:crud, or --project/--resource/--permissions, or --legacy"
            )
        }
        var merged: [String: Grant] = [:]
        for grant in grants {
            let key = grant.project + "\u{0}" + grant.resource
            let permissions = merged[key].map { $0.permissions.union(grant.permissions) } ?? grant.permissions
            merged[key] = try Grant(project: grant.project, resource: grant.resource, permissions: permissions)
        }
        let all = Array(merged.values)
        self.grants = all.filter { grant in
            !all.contains { other in
                other != grant && other.includesTarget(of: grant) && other.permissions.isSuperset(of: grant.permissions)
            }
        }
        .sorted { ($0.project, $0.resource) < ($1.project, $1.resource) }
    }

    init(trusted grants: [Grant]) { self.grants = grants }

    /// Whether any single grant covers `need`.
    public func covers(_ need: Need) -> Bool { grants.contains { $0.covers(need) } }

    /// Whether the scope is `*:*:crud`: the unlimited rights of a legacy token.
    public var isUnlimited: Bool { grants.contains { $0 == .unlimited } }
}
