public import TokenVault
public import TokenVaultHTTP
import TokenVaultJSON
import TokenVaultSystem

/// The vault's HTTP API (v1): authenticates each request's caller as a principal, applies its
/// rate limit, and answers through a ``Vault`` handle bound to that principal, so that the
/// library decides and audits every call (docs/service.md).
///
/// ```swift
/// let service = VaultService(vault: vault, configuration: .init())
/// let server = try Server(listener: listener, configuration: serverConfiguration, handler: service)
/// service.connectionStatistics = server.statistics
/// try server.run()
/// ```
///
/// Security: a response never carries a secret but the one a fetch returns, and errors carry the
/// library's messages, which never hold a stored value. Nothing a request holds is logged.
public final class VaultService: RequestHandler {
    /// Settings of the API.
    public struct Configuration: Sendable {
        /// Requests a second each principal may make on average (0: no limit), and its burst.
        public var rateLimit: Double = 1_000
        public var rateBurst: Double = 2_000
        /// Requests a second from callers that map to no principal (each is audited), per user id.
        public var unauthenticatedRateLimit: Double = 10

        public init() {}
    }

    let vault: Vault
    let configuration: Configuration
    let metrics = ServiceMetrics()
    let principalLimiter: RateLimiter
    let unknownLimiter: RateLimiter
    let router: Router
    /// The server's connection counters, for `/metrics`.
    public nonisolated(unsafe) var connectionStatistics: ServerStatistics?
    // nonisolated(unsafe): set once, before the server starts its threads, and only read after.

    public init(vault: Vault, configuration: Configuration = Configuration()) {
        self.vault = vault
        self.configuration = configuration
        principalLimiter = RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst)
        unknownLimiter = RateLimiter(rate: configuration.unauthenticatedRateLimit, burst: configuration.unauthenticatedRateLimit * 2)
        router = Router(routes: Self.routes)
    }

    public func respond(to request: HTTPRequest, from peer: ConnectionPeer) -> HTTPResponse {
        let started = MonotonicClock.seconds
        let (name, response) = answer(request, from: peer)
        let latency = name == Self.fetchRouteName ? MonotonicClock.seconds - started : nil
        metrics.record(route: name, status: response.status.code, fetchLatency: latency)
        return response
    }

    private func answer(_ request: HTTPRequest, from peer: ConnectionPeer) -> (route: String, HTTPResponse) {
        switch router.route(request) {
        case .notFound:
            return ("unknown", APIError.response(VaultError(.notFound, "no such endpoint")))
        case .methodNotAllowed(let allowed):
            var response = APIError.response(VaultError(.invalidInput, "method not allowed here"))
            response.status = .methodNotAllowed
            response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            return ("unknown", response)
        case .found(let route, let parameters):
            if route.name == Self.healthRouteName { return (route.name, health()) }  // no authentication
            do throws(VaultError) {
                let identity = peer.identity
                let bearer = try Self.bearerToken(request)
                let now = MonotonicClock.seconds
                let (principal, peerText) = try authenticate(identity, bearer: bearer, now: now)
                guard principalLimiter.admit(principal.id, now: now) else { throw Self.rateLimited }
                let onBehalfOf = request.headers.first(name: "TokenVault-On-Behalf-Of")
                let scoped = try vault.acting(as: principal, peer: peerText, onBehalfOf: onBehalfOf)
                let context = RouteContext(service: self, request: request, vault: scoped, principal: principal, parameters: parameters)
                return (route.name, try route.handler(context))
            } catch {
                return (route.name, APIError.response(error))
            }
        }
    }

    /// The principal of the caller; an unknown caller counts against its peer's small limit.
    ///
    /// A peer refused many times lately is refused unaudited, with 429: refusals are audited,
    /// and a flood of them must not become a flood of commits. Its callers that do
    /// authenticate (other clients behind the same address) are served all the same.
    private func authenticate(_ peer: PeerIdentity, bearer: Secret?, now: Double) throws(VaultError) -> (Principal, String) {
        let overLimit = !unknownLimiter.hasCapacity(peer.limitKey, now: now)
        do {
            return try vault.authenticate(peer: peer, bearer: bearer, auditingRefusal: !overLimit)
        } catch let error where error.kind == .unauthenticated {
            if overLimit { throw Self.rateLimited }
            _ = unknownLimiter.admit(peer.limitKey, now: now)
            throw error
        }
    }

    /// `{"status":"ready"}`: the service answers only once its vault is unlocked, and stops
    /// accepting connections when it shuts down; nothing else is said to an unauthenticated caller.
    func health() -> HTTPResponse {
        .json(.object([("status", .string("ready"))]))
    }

    static let rateLimited = VaultError(.rateLimited, "too many requests", hint: "retry later")

    /// The access token of `Authorization: Bearer TOKEN`, or nil without the field.
    static func bearerToken(_ request: HTTPRequest) throws(VaultError) -> Secret? {
        guard let field = request.headers.first(name: "Authorization") else { return nil }
        let parts = field.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw VaultError(.unauthenticated, "the Authorization field must be `Bearer TOKEN`")
        }
        return Secret(copying: Array(parts[1].utf8))
    }
}

extension PeerIdentity {
    /// What an unknown caller's refusals are counted by: its user id, its host (not its port,
    /// which it picks anew for each connection), or its unit.
    var limitKey: String {
        switch self {
        case .process(let uid, _, _): "uid:\(uid)"
        case .remote(let address, _): "host:" + (address.lastIndex(of: ":").map { String(address[..<$0]) } ?? address)
        case .unit(let unit, _): "unit:" + unit
        }
    }
}

extension ConnectionPeer {
    /// The library's account of the peer.
    var identity: PeerIdentity {
        switch self {
        case .local(let credentials): .process(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
        case .remote(let address, let fingerprint): .remote(address: address, certificate: fingerprint)
        }
    }
}
