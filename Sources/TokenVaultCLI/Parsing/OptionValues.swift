/// The options given on a command line from one table, read by their typed keys.
///
/// ```swift
/// let grants = arguments.all(.grant)          // every --grant, in order
/// let issuer = arguments[.issuer]             // --issuer, or nil
/// let legacy = arguments.contains(.legacy)    // --legacy given
/// ```
struct OptionValues<Key: OptionKey> {
    private var values: [Key: [String]] = [:]

    /// The value of an option that takes one, or nil when it was not given.
    subscript(key: Key) -> String? {
        assert(key.spec.takesValue, "--\(key.name) is a flag: read it with contains(_:)")
        return values[key]?.last
    }

    /// Every value given to a repeatable option, in command-line order.
    func all(_ key: Key) -> [String] { values[key] ?? [] }

    /// Whether the option (a flag, or one with a value) was given.
    func contains(_ key: Key) -> Bool { values[key] != nil }

    /// Records a flag, or one value of an option.
    mutating func record(_ key: Key, value: String?) {
        values[key, default: []] += value.map { [$0] } ?? []
    }
}
