/// Reads the fields of a parsed object by name and kind, for decoding request and response
/// bodies; remembers which fields were read, so that the rest can be refused.
///
/// ```swift
/// // {"name":"erp","expires_at":1767225600,"labels":{"team":"billing"}}
/// var body = try JSONObjectReader(JSON.parse(request.body))
/// let name = try body.string("name")                 // required
/// let expiresAt = try body.optionalInt64("expires_at")  // nil when absent or null
/// var labels = try body.object("labels")             // a nested reader
/// let team = try labels.optionalString("team")
/// try labels.refuseUnknownFields()
/// try body.refuseUnknownFields()                     // "unknown field 'x'"
/// ```
///
/// - Throws: every method throws a ``JSONError`` without an offset: `missing field 'name'`,
///   `field 'name' must be a string, not an integer`, `unknown field 'nmae'`. Fields of nested
///   readers are named by their path (`labels.team`).
///
/// Security: messages name the field and the kinds involved, never a value (a body may hold
/// a secret). Names taken from the input (an unknown field) are cleaned of control and
/// bidirectional characters and cut to 40 characters. Call ``refuseUnknownFields()`` for
/// requests: a misspelt optional field (`expires_in` for `expires_at`) must not be silently
/// ignored.
public struct JSONObjectReader: Sendable {
    private let fields: [(String, JSON)]
    private var read: [Bool]
    /// The path of this object in the document, `labels.` or empty for the top level.
    private let path: String

    /// Creates a reader of `value`'s fields.
    ///
    /// - Throws: ``JSONError`` `expected an object, not an array` (or another kind).
    public init(_ value: JSON) throws(JSONError) {
        try self.init(value, path: "")
    }

    private init(_ value: JSON, path: String) throws(JSONError) {
        guard case .object(let fields) = value else {
            let subject = path.isEmpty ? "expected an object" : "field '\(JSON.displayName(String(path.dropLast())))' must be an object"
            throw JSONError("\(subject), not \(value.kindDescription)")
        }
        self.fields = fields
        self.read = Array(repeating: false, count: fields.count)
        self.path = path
    }

    /// The keys of the object, in order.
    public var keys: [String] { fields.map(\.0) }

    /// Whether the object has a field called `key` (`null` included).
    public func contains(_ key: String) -> Bool {
        fields.contains { JSON.sameText($0.0, key) }
    }

    // MARK: Any kind

    /// The value of a required field, of any kind (`null` included).
    ///
    /// - Throws: ``JSONError`` `missing field 'key'`.
    public mutating func value(_ key: String) throws(JSONError) -> JSON {
        guard let value = take(key) else { throw JSONError("missing field '\(name(key))'") }
        return value
    }

    /// The value of an optional field, or nil when it is absent or `null`.
    public mutating func optionalValue(_ key: String) -> JSON? {
        guard let value = take(key), !value.isNull else { return nil }
        return value
    }

    // MARK: Typed fields

    /// A required string field.
    ///
    /// - Throws: ``JSONError`` when the field is missing or not a string.
    public mutating func string(_ key: String) throws(JSONError) -> String {
        try required(key, "a string", \.stringValue)
    }

    /// An optional string field: nil when absent or `null`.
    ///
    /// - Throws: ``JSONError`` when the field is present and neither a string nor `null`.
    public mutating func optionalString(_ key: String) throws(JSONError) -> String? {
        try optional(key, "a string", \.stringValue)
    }

    /// A required integer field.
    ///
    /// - Throws: ``JSONError`` when the field is missing or not an integer.
    public mutating func int64(_ key: String) throws(JSONError) -> Int64 {
        try required(key, "an integer", \.int64Value)
    }

    /// An optional integer field: nil when absent or `null`.
    ///
    /// - Throws: ``JSONError`` when the field is present and neither an integer nor `null`.
    public mutating func optionalInt64(_ key: String) throws(JSONError) -> Int64? {
        try optional(key, "an integer", \.int64Value)
    }

    /// A required boolean field.
    ///
    /// - Throws: ``JSONError`` when the field is missing or not `true` or `false`.
    public mutating func bool(_ key: String) throws(JSONError) -> Bool {
        try required(key, "a boolean", \.boolValue)
    }

    /// An optional boolean field: nil when absent or `null`.
    ///
    /// - Throws: ``JSONError`` when the field is present and neither a boolean nor `null`.
    public mutating func optionalBool(_ key: String) throws(JSONError) -> Bool? {
        try optional(key, "a boolean", \.boolValue)
    }

    /// A required array field's elements.
    ///
    /// - Throws: ``JSONError`` when the field is missing or not an array.
    public mutating func array(_ key: String) throws(JSONError) -> [JSON] {
        try required(key, "an array", \.arrayValue)
    }

    /// An optional array field's elements: nil when absent or `null`.
    ///
    /// - Throws: ``JSONError`` when the field is present and neither an array nor `null`.
    public mutating func optionalArray(_ key: String) throws(JSONError) -> [JSON]? {
        try optional(key, "an array", \.arrayValue)
    }

    /// A reader of a required object field; its fields are named `key.field` in errors.
    ///
    /// - Throws: ``JSONError`` when the field is missing or not an object.
    public mutating func object(_ key: String) throws(JSONError) -> JSONObjectReader {
        try JSONObjectReader(value(key), path: path + key + ".")
    }

    /// A reader of an optional object field: nil when absent or `null`.
    ///
    /// - Throws: ``JSONError`` when the field is present and neither an object nor `null`.
    public mutating func optionalObject(_ key: String) throws(JSONError) -> JSONObjectReader? {
        guard let value = optionalValue(key) else { return nil }
        return try JSONObjectReader(value, path: path + key + ".")
    }

    // MARK: Unknown fields

    /// Refuses the object if it has a field none of the methods above has read.
    ///
    /// - Throws: ``JSONError`` `unknown field 'key'`, naming the first such field.
    public func refuseUnknownFields() throws(JSONError) {
        if let index = read.firstIndex(of: false) {
            throw JSONError("unknown field '\(name(fields[index].0))'")
        }
    }

    // MARK: Helpers

    /// The value of the field called `key`, marked as read; nil when absent.
    private mutating func take(_ key: String) -> JSON? {
        guard let index = fields.firstIndex(where: { JSON.sameText($0.0, key) }) else { return nil }
        read[index] = true
        return fields[index].1
    }

    private mutating func required<Value>(_ key: String, _ kind: String, _ extract: (JSON) -> Value?) throws(JSONError) -> Value {
        let value = try value(key)
        guard let typed = extract(value) else { throw JSONError("field '\(name(key))' must be \(kind), not \(value.kindDescription)") }
        return typed
    }

    private mutating func optional<Value>(_ key: String, _ kind: String, _ extract: (JSON) -> Value?) throws(JSONError) -> Value? {
        guard let value = optionalValue(key) else { return nil }
        guard let typed = extract(value) else { throw JSONError("field '\(name(key))' must be \(kind), not \(value.kindDescription)") }
        return typed
    }

    /// The field's name for messages: its path, cleaned.
    private func name(_ key: String) -> String {
        JSON.displayName(path + key)
    }
}
