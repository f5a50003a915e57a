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

extension Vault {
    /// Whether credential `name` (a PAT) can be used for `path`.
    ///
    /// - Returns: the legacy pattern `path` matches (the ERP refuses PATs there), or nil.
    /// - Throws: ``VaultError/Kind/notFound`` when there is no such credential.
    public func legacyEndpoint(for name: String, path: String) throws(VaultError) -> String? {
        _ = try show(name)
        guard !path.isEmpty, path.utf8.count <= 2_048 else { throw .invalid("the path must be 1 to 2,048 characters") }
        return LegacyEndpoints.match(path)
    }
}
