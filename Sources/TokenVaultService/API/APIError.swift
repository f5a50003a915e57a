public import TokenVault
public import TokenVaultHTTP
import TokenVaultJSON

/// The service's errors: `{"error": KIND, "message": TEXT, "hint": TEXT}` with a status that
/// mirrors the CLI's exit code for the same ``VaultError/Kind``.
///
/// | kind | status | exit |
/// |------|--------|------|
/// | `usage` | 400 | 2 |
/// | `unauthenticated` | 401 | 4 |
/// | `denied` | 403 | 4 |
/// | `not-found` | 404 | 3 |
/// | `busy` | 409 | 7 |
/// | `locked` | 423 | 5 |
/// | `rate-limited` | 429 | 7 |
/// | `integrity` | 500 | 6 |
/// | `failed` | 500 | 1 |
/// | `over-limits` | 503 | 7 |
/// | `unavailable` | 503 | 7 |
///
/// The message is the library's: it never holds a secret or a stored value.
public enum APIError {
    /// The wire name of a kind.
    public static func name(of kind: VaultError.Kind) -> String {
        switch kind {
        case .invalidInput: "usage"
        case .unauthenticated: "unauthenticated"
        case .denied: "denied"
        case .notFound: "not-found"
        case .busy: "busy"
        case .locked: "locked"
        case .rateLimited: "rate-limited"
        case .integrity: "integrity"
        case .failed: "failed"
        case .overLimits: "over-limits"
        case .unavailable: "unavailable"
        }
    }

    /// The kind a wire name stands for (for the CLI as a client).
    public static func kind(named name: String) -> VaultError.Kind? {
        VaultError.Kind.allCases.first { self.name(of: $0) == name }
    }

    /// The status of a kind.
    public static func status(of kind: VaultError.Kind) -> HTTPStatus {
        switch kind {
        case .invalidInput: .badRequest
        case .unauthenticated: .unauthorized
        case .denied: .forbidden
        case .notFound: .notFound
        case .busy: .conflict
        case .locked: .locked
        case .rateLimited: .tooManyRequests
        case .integrity: .internalServerError
        case .failed: .internalServerError
        case .overLimits, .unavailable: .serviceUnavailable
        }
    }

    /// The response for `error`.
    public static func response(_ error: VaultError) -> HTTPResponse {
        let body: JSON = .object([
            ("error", .string(name(of: error.kind))), ("message", .string(error.message)), ("hint", error.hint.map(JSON.string) ?? .null),
        ])
        var response = HTTPResponse.json(body, status: status(of: error.kind))
        if error.kind == .unauthenticated { response.headers.add(name: "WWW-Authenticate", value: "Bearer") }
        return response
    }
}

extension HTTPResponse {
    /// A JSON body with its content type.
    static func json(_ body: JSON, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array((body.rendered() + "\n").utf8))
    }

    /// A JSON body that carries a secret (``WireFormat``'s bytes): never to be cached.
    static func secretJSON(_ body: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"], body: body)
    }
}
