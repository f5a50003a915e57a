import TokenVault
import TokenVaultHTTP
import TokenVaultJSON
import TokenVaultWire

/// A request's JSON object body, read field by field through a ``JSONObjectReader``: a field of
/// the wrong kind, a missing required one, or one the route does not read is a usage error (400)
/// that names the field and never echoes its value.
struct RequestBody {
    private var reader: JSONObjectReader

    /// Parses `request`'s body; an empty body is an empty object.
    init(_ request: HTTPRequest) throws(VaultError) {
        do {
            reader = try JSONObjectReader(request.body.isEmpty ? .object([]) : JSON.parse(request.body))
        } catch {
            throw VaultError(.invalidInput, "the request body is not a JSON object: \(error.message)")
        }
    }

    mutating func string(_ name: String) throws(VaultError) -> String? { try read { r throws(JSONError) in try r.optionalString(name) } }
    mutating func requiredString(_ name: String) throws(VaultError) -> String { try read { r throws(JSONError) in try r.string(name) } }
    mutating func int(_ name: String) throws(VaultError) -> Int64? { try read { r throws(JSONError) in try r.optionalInt64(name) } }
    mutating func bool(_ name: String) throws(VaultError) -> Bool { try read { r throws(JSONError) in try r.optionalBool(name) } ?? false }

    mutating func strings(_ name: String) throws(VaultError) -> [String] {
        let items = try read { r throws(JSONError) in try r.optionalArray(name) } ?? []
        return try items.map { item throws(VaultError) in
            guard let text = item.stringValue else { throw VaultError(.invalidInput, "field '\(name)' must be an array of strings") }
            return text
        }
    }

    /// The secret in field `name`, or in `name_base64` for bytes that are not UTF-8 (as
    /// ``WireFormat`` writes them): exactly one of the two.
    mutating func secret(_ name: String) throws(VaultError) -> Secret {
        switch (try string(name), try string(name + "_base64")) {
        case (let text?, nil):
            return Secret(copying: Array(text.utf8))
        case (nil, let encoded?):
            guard let bytes = Base64.decode(Array(encoded.utf8)) else { throw VaultError(.invalidInput, "field '\(name)_base64' is not base64") }
            return Secret(copying: bytes)
        default:
            throw VaultError(.invalidInput, "give exactly one of the fields '\(name)' and '\(name)_base64'")
        }
    }

    /// The expiry in `expires_at` (an ISO 8601 date), `expires_in` (a duration) or
    /// `never_expires`: at most one of them; nil for none.
    mutating func expiry() throws(VaultError) -> NewCredential.Expiry? {
        let at = try string("expires_at")
        let after = try string("expires_in")
        let never = try bool("never_expires")
        switch (at, after, never) {
        case (nil, nil, false): return nil
        case (let date?, nil, false): return .at(try TimeFormat.parseDate(date))
        case (nil, let duration?, false): return .after(seconds: try TimeFormat.parseDuration(duration))
        case (nil, nil, true): return .never
        default: throw VaultError(.invalidInput, "give only one of \"expires_at\", \"expires_in\" and \"never_expires\"")
        }
    }

    /// The need in `project`, `resource` and `permission`.
    mutating func need() throws(VaultError) -> Need {
        let permission = try string("permission")
        return Need(
            project: try string("project"), resource: try string("resource"),
            permissions: try permission.map { text throws(VaultError) in try Permissions(parsing: text) }
        )
    }

    /// Refuses a field the route did not read: a misspelt field must not be silently ignored.
    func finish() throws(VaultError) {
        do { try reader.refuseUnknownFields() } catch { throw VaultError(.invalidInput, error.message) }
    }

    private mutating func read<T>(_ body: (inout JSONObjectReader) throws(JSONError) -> T) throws(VaultError) -> T {
        do { return try body(&reader) } catch { throw VaultError(.invalidInput, error.message) }
    }
}
