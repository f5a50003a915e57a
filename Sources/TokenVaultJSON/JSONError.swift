/// Why JSON text was refused, or why a parsed value does not have the shape a caller asked for.
///
/// The message is short and names what is wrong (and, from ``JSONObjectReader``, which
/// field), never the input: a request body may hold a secret, and an error is logged and sent
/// back in a response.
///
/// ```swift
/// do {
///     _ = try JSON.parse("[1,]".utf8)
/// } catch {
///     error.message  // "expected a value"
///     error.offset   // 3
///     "\(error)"     // "expected a value (at byte 3)"
/// }
/// ```
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in a few words.
    public let message: String
    /// The offset in the input of the byte where parsing failed (the input's length when it
    /// ended too soon), or nil for an error about a parsed value's shape (a missing field, a
    /// field of the wrong kind).
    public let offset: Int?

    /// Creates an error. Callers that check a parsed value's shape beyond what
    /// ``JSONObjectReader`` checks (a number's range, a string's format) can use it too; the
    /// message must not quote the value.
    public init(_ message: String, offset: Int? = nil) {
        self.message = message
        self.offset = offset
    }

    /// The message, followed by the offset when there is one: `expected ':' (at byte 7)`.
    public var description: String {
        offset.map { "\(message) (at byte \($0))" } ?? message
    }
}
