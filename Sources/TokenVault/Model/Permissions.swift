/// A set of CRUD permissions, written as letters of `crud`.
///
/// ```swift
/// let permissions = try Permissions(parsing: "rw")   // throws: 'w' is not one of c, r, u, d
/// let readUpdate = try Permissions(parsing: "ru")
/// readUpdate.contains(.read)                          // true
/// ```
public struct Permissions: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    public static let create = Permissions(rawValue: 1)
    public static let read = Permissions(rawValue: 2)
    public static let update = Permissions(rawValue: 4)
    public static let delete = Permissions(rawValue: 8)
    /// Create, read, update and delete: what a legacy token carries.
    public static let all: Permissions = [.create, .read, .update, .delete]

    private static let letters: [(Character, Permissions)] = [("c", .create), ("r", .read), ("u", .update), ("d", .delete)]

    /// Parses letters of `crud` in any order and case (`"CRUD"`, `"rd"`).
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for an empty string or any other letter.
    public init(parsing text: String) throws(VaultError) {
        var set: Permissions = []
        for character in text.lowercased() {
            guard let permission = Self.letters.first(where: { $0.0 == character })?.1 else {
                throw .invalid("invalid permissions '\(printable(text))': use letters of crud, as in r or crud")
            }
            set.insert(permission)
        }
        guard !set.isEmpty else { throw .invalid("permissions must name at least one of c, r, u, d") }
        self = set
    }

    /// The letters in canonical order: `crud`, `rd`.
    public var description: String {
        String(Self.letters.filter { contains($0.1) }.map(\.0))
    }
}
