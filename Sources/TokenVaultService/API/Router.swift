import TokenVault
import TokenVaultHTTP

/// One request on its way through a route: the request, the vault as its principal sees it,
/// and the route's path parameters.
struct RouteContext {
    let service: VaultService
    let request: HTTPRequest
    /// The vault, bound to the authenticated principal (``Vault/acting(as:peer:onBehalfOf:)``).
    let vault: Vault
    let principal: Principal
    /// The path segments that the route's `{name}` placeholders matched, in order.
    let parameters: [String]
}

/// A route: a method, a path pattern and what answers it.
struct Route: Sendable {
    /// The route's name in metrics: its method and pattern, `POST /v1/fetch`.
    let name: String
    let method: String
    /// The path's segments; `{}` matches any one segment.
    let pattern: [String]
    let handler: @Sendable (RouteContext) throws(VaultError) -> HTTPResponse

    init(_ method: String, _ path: String, _ handler: @escaping @Sendable (RouteContext) throws(VaultError) -> HTTPResponse) {
        self.method = method
        self.pattern = path.split(separator: "/").map(String.init)
        self.name = "\(method) \(path)"
        self.handler = handler
    }

    /// The placeholders' values when `segments` matches the pattern, else nil.
    func match(_ segments: [String]) -> [String]? {
        guard segments.count == pattern.count else { return nil }
        var parameters: [String] = []
        for (part, segment) in zip(pattern, segments) {
            if part == "{}" {
                parameters.append(segment)
            } else if part != segment {
                return nil
            }
        }
        return parameters
    }
}

/// Finds the route of a request: 404 for an unknown path, 405 for a known path and another method.
struct Router: Sendable {
    let routes: [Route]

    enum Outcome {
        case found(Route, parameters: [String])
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    func route(_ request: HTTPRequest) -> Outcome {
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.match(request.pathSegments) else { continue }
            if route.method == request.method { return .found(route, parameters: parameters) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
