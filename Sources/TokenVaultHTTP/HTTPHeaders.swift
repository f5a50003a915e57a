/// One header field: a name as it was received or given, and its value.
public struct HTTPHeader: Sendable, Hashable {
    /// The field name, a token; compared without regard to ASCII case by ``HTTPHeaders``.
    public let name: String
    /// The field value, without leading or trailing whitespace.
    public let value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The header fields of a request or response: an ordered list, looked up by name without
/// regard to ASCII case.
///
/// The order and the spelling of names are kept as received, so a parsed request serializes
/// back to the same fields; lookups ignore case, as RFC 9110 requires.
///
/// ```swift
/// var headers: HTTPHeaders = ["Content-Type": "application/json"]
/// headers.add(name: "Cache-Control", value: "no-store")
/// headers.first(name: "content-type")  // "application/json"
/// ```
public struct HTTPHeaders: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    private var fields: [HTTPHeader]

    /// Creates a list of header fields, in the given order.
    public init(_ fields: [HTTPHeader] = []) {
        self.fields = fields
    }

    /// Creates a list of header fields from a literal, in the literal's order.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { HTTPHeader(name: $0.0, value: $0.1) }
    }

    /// The position of the first field.
    public var startIndex: Int { fields.startIndex }

    /// The position after the last field.
    public var endIndex: Int { fields.endIndex }

    /// The field at `position`.
    public subscript(position: Int) -> HTTPHeader { fields[position] }

    /// Appends a field after the others (a name may appear more than once).
    public mutating func add(name: String, value: String) {
        fields.append(HTTPHeader(name: name, value: value))
    }

    /// Removes every field called `name` (any case).
    public mutating func remove(name: String) {
        fields.removeAll { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// The value of the first field called `name` (any case), or nil.
    public func first(name: String) -> String? {
        fields.first { HTTPSyntax.equalsIgnoringCase($0.name, name) }?.value
    }

    /// The values of every field called `name` (any case), in order.
    public func values(name: String) -> [String] {
        fields.filter { HTTPSyntax.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether a field called `name` (any case) is present.
    public func contains(name: String) -> Bool {
        fields.contains { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }
}
