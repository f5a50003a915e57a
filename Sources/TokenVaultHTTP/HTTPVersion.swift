/// The two protocol versions the parser accepts.
///
/// Any other `HTTP/x.y` version is refused with ``HTTPError/httpVersionNotSupported`` (505);
/// a version field that is not of that shape is refused with ``HTTPError/badRequest`` (400).
public enum HTTPVersion: Sendable, Hashable {
    /// `HTTP/1.0`: connections close after each response unless the request says
    /// `Connection: keep-alive`.
    case http10
    /// `HTTP/1.1`: connections stay open unless the request says `Connection: close`.
    case http11

    /// The version as it appears on a request or status line, `HTTP/1.0` or `HTTP/1.1`.
    public var text: String {
        switch self {
        case .http10: "HTTP/1.0"
        case .http11: "HTTP/1.1"
        }
    }
}
