/// What an audit event records.
public enum AuditAction: String, Sendable, CaseIterable {
    case initialize = "init"
    case add, issue, fetch, verify, rename, delete, revoke, rotate, test, rekey, seal, scan
    case rotateDataKey = "rotate-data-key"
    /// The one event of an upgrade that authenticated a schema-5 vault's state as it stood.
    case authenticateState = "authenticate-state"
    /// A read-only command (list, show, expiring, report, scan) refused because a row it would
    /// have shown fails its authentication, or a read a principal may not make; never `ok`.
    case read
    /// Changes to the service's principals; the event's credential columns name the principal.
    case principalAdd = "principal-add"
    case principalRemove = "principal-remove"
    case principalRename = "principal-rename"
    case principalRotateToken = "principal-rotate-token"
    /// A caller of the service that maps to no principal (always `denied`).
    case authenticate
    /// A verified copy of the vault written by `backup`.
    case backup
    /// The vault moved to another location (`migrate-to`): the last event of the old vault and,
    /// with every event before it, of the new one.
    case migrate
    /// A credential's expiry, grants or labels changed (`edit`).
    case edit
    /// An issuer policy set or replaced, or removed; the event's credential columns name the
    /// policy (`policy:ISSUER`, and the issuer).
    case policySet = "policy-set"
    case policyRemove = "policy-remove"

    /// The actions on principals, whose events name a principal where others name a credential.
    public var concernsPrincipal: Bool {
        switch self {
        case .principalAdd, .principalRemove, .principalRename, .principalRotateToken: true
        default: false
        }
    }
}

/// How an event's actor was established.
public enum ActorKind: String, Sendable, CaseIterable {
    /// A name the caller gave (`--actor`, `TOKENVAULT_ACTOR`, the OS user): the embedded mode,
    /// where whoever holds the key can write any name.
    case declared
    /// A principal the service authenticated by the kernel's peer credentials or an access
    /// token: the actor is `principal:NAME`.
    case principal
    /// A caller of the service that maps to no principal: the actor is `unauthenticated`, and
    /// the event records the peer.
    case unauthenticated
}

/// How the audited operation ended.
public enum AuditOutcome: String, Sendable, CaseIterable {
    /// It happened.
    case ok
    /// It was refused by policy (missing, revoked, expired, out of scope).
    case denied
    /// It failed (an integrity check, a hook).
    case error
}

/// One event of the audit trail. Holds no secret: at most the credential's id and name,
/// the need as the caller gave it, and a reason.
public struct AuditEvent: Sendable, Hashable {
    /// Every stored property, for the package's other modules (the CLI as a client rebuilds
    /// values from the API's JSON); outside the package, values come only from a vault.
    package init(
        sequence: Int64, time: UnixTime, actor: String, action: AuditAction, credentialID: String?, credentialName: String?,
        needProject: String?, needResource: String?, needPermissions: String?, outcome: AuditOutcome, reason: String?, version: Int64?,
        changesState: Bool, actorKind: ActorKind?, peer: String?, onBehalfOf: String?
    ) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.action = action
        self.credentialID = credentialID
        self.credentialName = credentialName
        self.needProject = needProject
        self.needResource = needResource
        self.needPermissions = needPermissions
        self.outcome = outcome
        self.reason = reason
        self.version = version
        self.changesState = changesState
        self.actorKind = actorKind
        self.peer = peer
        self.onBehalfOf = onBehalfOf
    }

    /// Position in the chain, from 1.
    public let sequence: Int64
    public let time: UnixTime
    public let actor: String
    public let action: AuditAction
    /// The credential's immutable id, when one was involved and found.
    public let credentialID: String?
    /// The credential's name at the time (or the name asked for, when not found).
    public let credentialName: String?
    public let needProject: String?
    public let needResource: String?
    public let needPermissions: String?
    public let outcome: AuditOutcome
    public let reason: String?
    /// The secret version involved, if any.
    public let version: Int64?
    /// Whether the operation changed its credential's authenticated state: a read of that
    /// credential then expects its rows to carry this event's sequence number.
    public let changesState: Bool
    /// How the actor was established; nil for events written before TokenVault recorded it
    /// (all of them declared).
    public let actorKind: ActorKind?
    /// The authenticated caller's connection: `uid=U pid=P` (peer credentials) or `token=ID` (an
    /// access token's id, never the token). Only for events written by the service.
    public let peer: String?
    /// A name the service's caller declared, kept beside the authenticated actor.
    public let onBehalfOf: String?
}

/// An event about to be appended: everything but its place in the chain.
struct AuditRecord: Sendable {
    var action: AuditAction
    var outcome: AuditOutcome = .ok
    var credentialID: String?
    var credentialName: String?
    var need: Need?
    var reason: String?
    var version: Int64?
    /// Set when the operation sealed its credential's state under this event's sequence number
    /// (``Vault/changingState(of:_:_:_:)``); the event is then marked as changing state.
    var stateSeq: Int64?

    init(_ action: AuditAction, credentialID: String? = nil, name: String? = nil, need: Need? = nil) {
        self.action = action
        self.credentialID = credentialID
        self.credentialName = name
        self.need = need
    }
}
