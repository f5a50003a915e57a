import TokenVaultHTTP

/// The responses the engine writes itself, before or instead of the handler.
enum EngineResponses {
    /// Over ``ServerConfiguration/maxConnections``: 503 with a JSON error in the API's shape,
    /// then close.
    static let overLimit = HTTPResponse(
        status: .serviceUnavailable,
        headers: ["Content-Type": "application/json", "Retry-After": "1"],
        body: Array(#"{"error":"over-limits","message":"too many connections","hint":"retry later"}"#.utf8),
        keepAlive: false
    ).serialized()

    /// A request not complete within ``ServerConfiguration/requestReadTimeout``.
    static let requestTimeout = HTTPResponse(error: .requestTimeout).serialized()
}
