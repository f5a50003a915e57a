/// A response status code, with its reason phrase from a fixed table.
///
/// ```swift
/// let status = HTTPStatus.notFound
/// print(status.code, status.reasonPhrase)  // 404 Not Found
/// ```
public struct HTTPStatus: Sendable, Hashable {
    /// The three-digit status code.
    public let code: Int

    /// Creates a status from its code.
    ///
    /// - Precondition: `code` has three digits (100 to 999).
    public init(code: Int) {
        precondition((100...999).contains(code), "a status code has three digits")
        self.code = code
    }

    /// The reason phrase of RFC 9110 for the code, or an empty string for a code the table
    /// does not name (a reason phrase is optional on the status line).
    public var reasonPhrase: String {
        Self.reasonPhrases[code] ?? ""
    }

    /// The reason phrases of RFC 9110 section 15 for the codes a server of this package sends.
    private static let reasonPhrases: [Int: String] = [
        200: "OK",
        201: "Created",
        204: "No Content",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        408: "Request Timeout",
        409: "Conflict",
        411: "Length Required",
        413: "Content Too Large",
        414: "URI Too Long",
        422: "Unprocessable Content",
        423: "Locked",
        429: "Too Many Requests",
        431: "Request Header Fields Too Large",
        500: "Internal Server Error",
        503: "Service Unavailable",
        505: "HTTP Version Not Supported",
    ]

    /// 200 OK.
    public static let ok = HTTPStatus(code: 200)
    /// 201 Created.
    public static let created = HTTPStatus(code: 201)
    /// 204 No Content.
    public static let noContent = HTTPStatus(code: 204)
    /// 400 Bad Request.
    public static let badRequest = HTTPStatus(code: 400)
    /// 401 Unauthorized.
    public static let unauthorized = HTTPStatus(code: 401)
    /// 403 Forbidden.
    public static let forbidden = HTTPStatus(code: 403)
    /// 404 Not Found.
    public static let notFound = HTTPStatus(code: 404)
    /// 405 Method Not Allowed.
    public static let methodNotAllowed = HTTPStatus(code: 405)
    /// 408 Request Timeout.
    public static let requestTimeout = HTTPStatus(code: 408)
    /// 409 Conflict.
    public static let conflict = HTTPStatus(code: 409)
    /// 411 Length Required.
    public static let lengthRequired = HTTPStatus(code: 411)
    /// 413 Content Too Large (called Payload Too Large before RFC 9110).
    public static let contentTooLarge = HTTPStatus(code: 413)
    /// 414 URI Too Long.
    public static let uriTooLong = HTTPStatus(code: 414)
    /// 422 Unprocessable Content.
    public static let unprocessableContent = HTTPStatus(code: 422)
    /// 423 Locked.
    public static let locked = HTTPStatus(code: 423)
    /// 429 Too Many Requests.
    public static let tooManyRequests = HTTPStatus(code: 429)
    /// 431 Request Header Fields Too Large.
    public static let requestHeaderFieldsTooLarge = HTTPStatus(code: 431)
    /// 500 Internal Server Error.
    public static let internalServerError = HTTPStatus(code: 500)
    /// 503 Service Unavailable.
    public static let serviceUnavailable = HTTPStatus(code: 503)
    /// 505 HTTP Version Not Supported.
    public static let httpVersionNotSupported = HTTPStatus(code: 505)
}
