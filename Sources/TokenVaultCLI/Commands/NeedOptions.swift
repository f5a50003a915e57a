import TokenVault

/// An option table that holds the need options of `get`, `verify` and `exec`: `--project`,
/// `--resource` and `--permission` (alias `--permissions`). Their cases satisfy these
/// requirements, and take their specs from ``NeedOptions``:
///
/// ```swift
/// enum Option: String, NeedOptionKeys {
///     case project, resource, permission, version
///     var spec: OptionSpec {
///         switch self {
///         case .project: NeedOptions.project
///         …
/// ```
protocol NeedOptionKeys: OptionKey {
    /// `--project P`.
    static var project: Self { get }
    /// `--resource R`.
    static var resource: Self { get }
    /// `--permission crud`.
    static var permission: Self { get }
}

/// The need options' specs, and the ``Need`` they describe.
enum NeedOptions {
    /// `--project P`.
    static let project = OptionSpec.value("P", "The project the caller will access")
    /// `--resource R`.
    static let resource = OptionSpec.value("R", "The resource the caller will access")
    /// `--permission crud`, also spelt `--permissions` (as `add` spells its grant's).
    static let permission = OptionSpec.value("crud", "What the caller will do: letters of crud", aliases: ["permissions"])

    /// The need given: a part left out is not checked.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for permissions that are not letters of crud.
    static func need<Key: NeedOptionKeys>(from arguments: Arguments<Key>) throws(VaultError) -> Need {
        Need(
            project: arguments[.project],
            resource: arguments[.resource],
            permissions: try arguments[.permission].map { text throws(VaultError) in try Permissions(parsing: text) }
        )
    }
}

/// The option table of `verify`: the need options alone.
enum NeedOption: String, NeedOptionKeys {
    case project, resource, permission

    var spec: OptionSpec {
        switch self {
        case .project: NeedOptions.project
        case .resource: NeedOptions.resource
        case .permission: NeedOptions.permission
        }
    }
}
