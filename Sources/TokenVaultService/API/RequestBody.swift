import TokenVault
import TokenVaultHTTP
import TokenVaultJSON

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
