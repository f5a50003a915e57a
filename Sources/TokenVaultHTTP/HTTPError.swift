/// Why a request was refused, each reason mapped to the status the server answers with.
///
/// The parser never guesses: input it does not accept is refused with one of these, after
/// which the connection must be closed (the parser rethrows the same error from then on).
///
/// ```swift
/// do {
///     while let request = try parser.next() { respond(to: request) }
/// } catch {
///     send(HTTPResponse(error: error))  // e.g. 431 Request Header Fields Too Large, then close
/// }
/// ```
public enum HTTPError: Error, Sendable, Hashable {
    /// 400: the request is malformed (syntax, a missing or repeated `Host`, a bad
    /// `Content-Length`, a bare CR or LF, a folded header line, ...).
    case badRequest
    /// 408: the client was too slow. Never thrown by the parser; for the server's timers.
    case requestTimeout
    /// 411: the request uses `Transfer-Encoding` (chunked bodies are not supported), or is a
    /// `POST` or `PUT` without `Content-Length`.
    case lengthRequired
    /// 413: `Content-Length` is over ``HTTPRequestParser/maximumBodyLength``.
    case contentTooLarge
    /// 414: the request line is over ``HTTPRequestParser/maximumRequestLineLength``.
    case uriTooLong
    /// 431: the request line and header fields together are over
    /// ``HTTPRequestParser/maximumHeadLength``.
    case headerFieldsTooLarge
    /// 505: the version is `HTTP/x.y` but neither `HTTP/1.1` nor `HTTP/1.0`.
    case httpVersionNotSupported

    /// The status a server answers this error with.
    public var status: HTTPStatus {
        switch self {
        case .badRequest: .badRequest
        case .requestTimeout: .requestTimeout
        case .lengthRequired: .lengthRequired
        case .contentTooLarge: .contentTooLarge
        case .uriTooLong: .uriTooLong
        case .headerFieldsTooLarge: .requestHeaderFieldsTooLarge
        case .httpVersionNotSupported: .httpVersionNotSupported
        }
    }
}
