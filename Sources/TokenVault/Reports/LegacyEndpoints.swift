/// The ERP's legacy API endpoints that refuse personal-access-token authentication.
///
/// Placeholders in braces (`{articlenumber}`) match exactly one path segment.
public enum LegacyEndpoints {
    public static let patterns = [
        "/shopimport/auth",
        "/shopimport/syncstorage/{articlenumber}",
        "/shopimport/articletoxentral/{articlenumber}",
        "/shopimport/articletoshop/{articlenumber}",
        "/shopimport/ordertoxentral/{ordernumber}",
        "/shopimport/articlesyncstate",
        "/shopimport/statistics",
        "/shopimport/modulelinks",
        "/shopimport/disconnect",
        "/shopimport/reconnect",
        "/shopimport/status",
        "/shopimport/refund",
        "/v1/reports",
    ]

    /// The pattern `path` matches, or nil when a PAT can reach it.
    ///
    /// `path` may be a full URL or a path; the scheme and host, a leading `/api` (the API base
    /// is the instance URL plus `/api`), the query and fragment and a trailing slash are ignored,
    /// and segments compare case-insensitively.
    ///
    /// ```swift
    /// LegacyEndpoints.match("https://erp.example.com/api/shopimport/syncstorage/A-100?x=1")
    /// // "/shopimport/syncstorage/{articlenumber}"
    /// ```
    public static func match(_ path: String) -> String? {
        let segments = normalizedSegments(path)
        return patterns.first { pattern in
            let parts = pattern.split(separator: "/").map { $0.lowercased() }
            guard parts.count == segments.count else { return false }
            return zip(parts, segments).allSatisfy { part, segment in part.hasPrefix("{") || part == segment }
        }
    }

    static func normalizedSegments(_ text: String) -> [String] {
        var path = Substring(text)
        if let scheme = path.firstRange(of: "://") {
            path = path[scheme.upperBound...]
            path = path.firstIndex(of: "/").map { path[$0...] } ?? ""
        }
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        var segments = path.split(separator: "/").map { $0.lowercased() }
        if segments.first == "api" { segments.removeFirst() }
        return segments
    }
}

/// What ``Vault/checkEndpoint(for:path:)`` found about a path or URL a credential is meant for.
public struct EndpointCheck: Sendable, Equatable {
    /// The legacy endpoint pattern the path matches (the ERP refuses PATs there), or nil.
    public let legacyPattern: String?
    /// For a full URL whose host differs from the host of the credential's API URL: the two
    /// hosts (the token would go to another server). Nil when they match, or either is unknown.
    public let hostMismatch: (url: String, credential: String)?

    /// Whether nothing was found: not a legacy endpoint, and no other host.
    public var isClear: Bool { legacyPattern == nil && hostMismatch == nil }

    public static func == (lhs: EndpointCheck, rhs: EndpointCheck) -> Bool {
        lhs.legacyPattern == rhs.legacyPattern && lhs.hostMismatch?.url == rhs.hostMismatch?.url
            && lhs.hostMismatch?.credential == rhs.hostMismatch?.credential
    }

    /// The host (and port) of a URL `scheme://host[:port]/…`, lower-cased; nil for a path.
    static func host(of url: String) -> String? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return host.isEmpty ? nil : host.lowercased()
    }
}

extension Vault {
    /// Whether credential `name` (a PAT) is meant for `path`: a legacy endpoint of the ERP that
    /// refuses PATs, or (for a full URL) another host than the credential's API URL.
    ///
    /// ```swift
    /// let check = try vault.checkEndpoint(for: "erp-prod", path: "https://erp.example.com/api/shopimport/status")
    /// if let pattern = check.legacyPattern { warn("legacy endpoint \(pattern)") }
    /// ```
    ///
    /// - Throws: ``VaultError/Kind/notFound`` when there is no such credential;
    ///   ``VaultError/Kind/invalidInput`` for an empty path or one over 2,048 bytes.
    public func checkEndpoint(for name: String, path: String) throws(VaultError) -> EndpointCheck {
        let credential = try show(name).credential
        guard !path.isEmpty, path.utf8.count <= 2_048 else { throw .invalid("the path must be 1 to 2,048 characters") }
        var mismatch: (url: String, credential: String)?
        if let urlHost = EndpointCheck.host(of: path), let apiHost = credential.apiURL.flatMap(EndpointCheck.host), urlHost != apiHost {
            mismatch = (urlHost, apiHost)
        }
        return EndpointCheck(legacyPattern: LegacyEndpoints.match(path), hostMismatch: mismatch)
    }
}
