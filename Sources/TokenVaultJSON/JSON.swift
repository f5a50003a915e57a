/// A JSON value: the wire format of the service and its CLI client, and the CLI's `--json`
/// output. Built and rendered by hand, parsed strictly (no Foundation: the CLI starts in a few ms).
///
/// ```swift
/// let value: JSON = ["name": "erp", "version": 2]
/// value.rendered()  // {"name":"erp","version":2}
/// try JSON.parse(#"{"name":"erp","version":2}"#.utf8) == value  // true
/// ```
///
/// Numbers are whole and fit `Int64`: the API has no other kind, so the parser refuses
/// fractions and exponents rather than rounding them. Objects keep their keys in order.
public enum JSON: Sendable {
    /// A string, escaped as JSON requires (and control characters as `\uXXXX`).
    case string(String)
    /// A whole number.
    case int(Int64)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array, in order.
    case array([JSON])
    /// An object, its keys in the order given. The parser refuses repeated keys; a value built
    /// in code is rendered as it is, repeated keys included.
    case object([(String, JSON)])

    /// The deepest nesting of arrays and objects ``parse(_:)`` accepts: 32 (a top-level array
    /// is at depth 1). Deeper input is refused before it can exhaust the stack.
    public static let maximumDepth = 32
}

// MARK: - Accessors

extension JSON {
    /// The text of a string, or nil for any other value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number of an integer, or nil for any other value.
    public var int64Value: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value of a boolean, or nil for any other value.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The elements of an array, or nil for any other value.
    public var arrayValue: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The keys and values of an object, in order, or nil for any other value.
    public var objectFields: [(String, JSON)]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    /// The value of the first field called `key` in an object, or nil when the value is not an
    /// object or has no such field.
    ///
    /// Keys match when their Unicode scalars are the same (not merely canonically equivalent).
    /// The search is linear: request and response objects are small.
    ///
    /// ```swift
    /// let body = try JSON.parse(request.body)
    /// body["name"]?.stringValue  // "erp"
    /// ```
    public subscript(key: String) -> JSON? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { JSON.sameText($0.0, key) }?.1
    }

    /// The element at `index` of an array, or nil when the value is not an array or the index
    /// is out of range.
    public subscript(index: Int) -> JSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// What kind of value this is, with its article, for error messages that must not show
    /// the value itself: `a string`, `an integer`, `a boolean`, `null`, `an array`, `an object`.
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Whether two strings have the same Unicode scalars (Swift's `==` would also equate
    /// canonically equivalent ones, which render to different text).
    static func sameText(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }
}

// MARK: - Equality

extension JSON: Equatable {
    /// Whether two values render to the same text: same kinds, same numbers, strings and keys
    /// with the same Unicode scalars, elements and fields in the same order.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): sameText(left, right)
        case (.int(let left), .int(let right)): left == right
        case (.bool(let left), .bool(let right)): left == right
        case (.null, .null): true
        case (.array(let left), .array(let right)): left == right
        case (.object(let left), .object(let right)):
            left.count == right.count && zip(left, right).allSatisfy { sameText($0.0, $1.0) && $0.1 == $1.1 }
        default: false
        }
    }
}

// MARK: - Literals

extension JSON: ExpressibleByStringLiteral {
    /// A string value from a literal: `let name: JSON = "erp"`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSON: ExpressibleByIntegerLiteral {
    /// An integer value from a literal: `let version: JSON = 2`.
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension JSON: ExpressibleByBooleanLiteral {
    /// A boolean value from a literal: `let legacy: JSON = false`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSON: ExpressibleByArrayLiteral {
    /// An array value from a literal: `let tags: JSON = ["a", "b"]`.
    public init(arrayLiteral elements: JSON...) {
        self = .array(elements)
    }
}

extension JSON: ExpressibleByDictionaryLiteral {
    /// An object value from a literal, its keys in the literal's order:
    /// `let body: JSON = ["name": "erp", "version": 2]`.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(elements)
    }
}

extension JSON: CustomStringConvertible {
    /// The value as compact JSON text, as ``rendered()`` returns it.
    public var description: String { rendered() }
}
