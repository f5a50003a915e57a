/// Filters for ``Vault/list(_:)``; every field left nil matches all.
public struct CredentialFilter: Sendable {
    public var state: CredentialState?
    public var issuer: String?
    /// Only credentials that expire within this many seconds from now (expired ones included).
    public var expiringWithin: Int64?
    /// Only credentials whose scope covers this project (and resource, when given).
    public var project: String?
    public var resource: String?

    public init(
        state: CredentialState? = nil,
        issuer: String? = nil,
        expiringWithin: Int64? = nil,
        project: String? = nil,
        resource: String? = nil
    ) {
        self.state = state
        self.issuer = issuer
        self.expiringWithin = expiringWithin
        self.project = project
        self.resource = resource
    }
}
