/// One `name=value` pair of a request target's query, percent-decoded.
///
/// `+` is kept as `+` (it means a space only in HTML form bodies, not in a URI), and a pair
/// without `=` has an empty value.
public struct HTTPQueryItem: Sendable, Hashable {
    /// The decoded name.
    public let name: String
    /// The decoded value; empty when the pair had no `=`.
    public let value: String

    /// Creates a query item.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
