/// Who is calling a vault, as its audit events record it, and what bounds the calls.
///
/// In the embedded mode the caller is *declared*: the actor is whatever name the program was
/// given (``Vault/Configuration/actor``), and the holder of the key may do anything. Through the
/// service the caller is a ``Principal`` the service authenticated: the actor is
/// `principal:NAME`, the event records the peer, a name the caller declares is kept only as
/// ``onBehalfOf``, and the principal's allow list and admin flag bound every call
/// (``Vault/acting(as:peer:onBehalfOf:)``).
public struct Caller: Sendable {
    /// The audit events' actor.
    public let actor: String
    /// How the actor was established; nil only for the one event written by the upgrade to
    /// schema 6, before the trail recorded it.
    public let kind: ActorKind?
    /// The authenticated connection: `uid=U pid=P`, or `token=ID`.
    public let peer: String?
    /// A name the service's caller declared.
    public let onBehalfOf: String?
    /// The principal whose policy bounds the calls; nil for a declared caller.
    public let principal: Principal?

    /// A caller who names itself: the embedded mode.
    static func declared(_ actor: String) -> Caller {
        Caller(actor: actor, kind: .declared, peer: nil, onBehalfOf: nil, principal: nil)
    }

    /// The declared actor of the upgrade to authenticated state (schema 6), whose event is written
    /// in that schema's shape, before the identity columns exist.
    static func upgrading(_ actor: String) -> Caller {
        Caller(actor: actor, kind: nil, peer: nil, onBehalfOf: nil, principal: nil)
    }

    /// A caller of the service that maps to no principal, known only by its connection.
    static func unauthenticated(peer: String) -> Caller {
        Caller(actor: "unauthenticated", kind: .unauthenticated, peer: peer, onBehalfOf: nil, principal: nil)
    }

    /// An authenticated principal.
    static func principal(_ principal: Principal, peer: String, onBehalfOf: String?) -> Caller {
        Caller(actor: principal.actor, kind: .principal, peer: peer, onBehalfOf: onBehalfOf, principal: principal)
    }

    // MARK: - Policy

    /// Refuses an operation other than a fetch or a verify to a principal that is not an admin.
    /// Runs inside the audited operation, so the refusal is recorded.
    func authorize(_ action: AuditAction) throws(Vault.Refusal) {
        guard let principal, !principal.isAdmin else { return }
        switch action {
        case .fetch, .verify, .read, .authenticate: return
        default: throw Self.notAdmin(principal)
        }
    }

    /// Refuses a fetch (or verify) of the credential `name` for `need` outside the principal's
    /// allow list.
    func authorizeUse(of name: String, for need: Need) throws(Vault.Refusal) {
        guard let principal, !principal.allows(name, for: need) else { return }
        throw .denied(
            "principal '\(printable(principal.name))' may not use credential '\(printable(name))' for this need",
            reason: "out of policy"
        )
    }

    /// Through the service a need names project, resource and permission; a declared caller may
    /// leave parts out.
    func requireCompleteNeed(_ need: Need) throws(VaultError) {
        guard principal != nil, need.project == nil || need.resource == nil || need.permissions == nil else { return }
        throw .invalid("a need through the service names a project, a resource and a permission")
    }

    /// Whether the caller may see the credential `name` in listings.
    func mayView(_ name: String?) -> Bool {
        guard let principal else { return true }
        return name.map(principal.mayView) ?? principal.isAdmin
    }

    /// Whether the caller may read what only admins read (the trail, reports, principals).
    var isAdmin: Bool { principal?.isAdmin ?? true }

    /// Refuses a hook set or changed through the service: a hook is a command the vault's own
    /// account runs, so only the holder of the key (the embedded mode) may choose one. An admin
    /// principal may read every secret, but is not given a shell.
    func authorizeHookChange() throws(Vault.Refusal) {
        guard let principal else { return }
        throw Vault.Refusal.denied(
            "principal '\(printable(principal.name))' may not set a hook: hooks are set without the service, by the holder of the key",
            reason: "hook change through the service"
        )
    }

    static func notAdmin(_ principal: Principal) -> Vault.Refusal {
        .denied("principal '\(printable(principal.name))' is not an admin", reason: "not an admin")
    }
}
