public import TokenVaultHTTP

/// What a ``Server`` calls for each request: the API's routes plug in here.
///
/// The server calls ``respond(to:from:)`` on one of its worker threads, for many requests at
/// once on different connections (never two at once for one connection: a connection's
/// pipelined requests are answered in order). A handler may block, for example on a vault's
/// group commit: the worker pool is sized so that concurrent requests can share commits.
///
/// ```swift
/// struct Health: RequestHandler {
///     func respond(to request: HTTPRequest, from peer: ConnectionPeer) -> HTTPResponse {
///         guard request.pathSegments == ["v1", "health"] else { return HTTPResponse(status: .notFound) }
///         return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array(#"{"ok":true}"#.utf8))
///     }
/// }
/// ```
///
/// The server owns framing: it writes `Content-Length` and `Connection` itself, leaves the
/// body out of a response to `HEAD`, and closes the connection after a response whose
/// ``HTTPResponse/keepAlive`` is false (or whose request asked to close).
///
/// - Important: `peer` is the kernel's record of the connecting process (`SO_PEERCRED`) or the
///   client certificate the TLS handshake verified: the one identity a handler can trust
///   without a credential in the request.
public protocol RequestHandler: Sendable {
    /// The response to `request`, received on a connection from `peer`.
    func respond(to request: HTTPRequest, from peer: ConnectionPeer) -> HTTPResponse
}
