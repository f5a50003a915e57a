/// Why a response was refused by ``HTTPResponseParser``.
///
/// The client never guesses either: after any of these the connection's framing cannot be
/// trusted, so the parser rethrows the same error from then on and the client closes the
/// connection.
///
/// ```swift
/// do {
///     guard let response = try parser.next() else { return readMore() }
///     handle(response)
/// } catch {
///     close()
///     fail("the server's response was refused: \(error)")  // e.g. "a response cut short"
/// }
/// ```
public enum HTTPResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The response is malformed: the status line (a version, a three-digit code and a reason
    /// phrase, separated by single spaces), a header field, a bare CR or LF, a folded line, a
    /// `Content-Length` that is not digits or appears twice, a `204 No Content` with a
    /// `Content-Length` other than 0, or bytes after a response that closed the connection.
    case malformed
    /// The version is `HTTP/x.y` but neither `HTTP/1.1` nor `HTTP/1.0`.
    case unsupportedVersion
    /// A 1xx (informational) response: the client never asks for one (it sends no
    /// `Expect: 100-continue` and no `Upgrade`).
    case informationalResponse
    /// The response uses `Transfer-Encoding` (chunked bodies are not supported; the service
    /// frames its bodies with `Content-Length` or by closing the connection).
    case transferEncoding
    /// The status line and header fields together are over ``HTTPResponseParser/maximumHeadLength``.
    case headTooLarge
    /// The body is over ``HTTPResponseParser/maximumBodyLength``: from its `Content-Length`
    /// alone, or as soon as a body delimited by the connection's end grows past it.
    case bodyTooLarge
    /// The connection ended inside a response: in its head, or before `Content-Length` bytes
    /// of its body arrived.
    case truncated

    /// A short explanation, for an error message.
    public var description: String {
        switch self {
        case .malformed: "a malformed response"
        case .unsupportedVersion: "a response in an unsupported HTTP version"
        case .informationalResponse: "an unexpected informational (1xx) response"
        case .transferEncoding: "a response with Transfer-Encoding (not supported)"
        case .headTooLarge: "a response head over the size limit"
        case .bodyTooLarge: "a response body over the size limit"
        case .truncated: "a response cut short by the end of the connection"
        }
    }
}
