import TokenVault

struct RenameCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "rename",
        abstract: "Rename a credential (its id and audit history stay)",
        usage: "rename OLD NEW",
        positionals: 2...2,
        examples: ["tokenvault rename erp-prod erp-prod-de"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        try vault.rename(arguments.positionals[0], to: arguments.positionals[1])
        context.printDone("renamed '\(arguments.positionals[0])' to '\(arguments.positionals[1])'", [("renamed", .string(arguments.positionals[1]))])
        return .ok
    }
}

struct RevokeCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "revoke",
        abstract: "Revoke a credential, or one of its versions, at once",
        usage: "revoke NAME [--version N]",
        discussion: """
            Without --version the whole credential is revoked: get and verify refuse it from then on.
            With --version N, one previous (grace) or pending version is revoked; the current version
            cannot be revoked alone (revoke the credential, or rotate first).
            """,
        options: [.value("version", "N", "Revoke only this version")],
        positionals: 1...1,
        examples: ["tokenvault revoke erp-prod", "tokenvault revoke erp-prod --version 3"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let name = arguments.positionals[0]
        let version = try arguments.versionNumber()
        let vault = try context.openVault()
        if let version {
            try vault.revoke(name, version: version)
            context.printDone("revoked version \(version) of '\(name)'", [("revoked", .string(name)), ("version", .int(Int64(version)))])
        } else {
            try vault.revoke(name)
            context.printDone("revoked '\(name)'", [("revoked", .string(name))])
        }
        return .ok
    }
}

struct DeleteCommand: VaultCommand {
    static let configuration = CommandConfiguration(
        name: "delete",
        abstract: "Delete a credential for good (crypto-shred; the audit trail keeps a tombstone)",
        usage: "delete NAME --yes",
        discussion: """
            Destroys every secret version (SQLite secure_delete, then a WAL checkpoint), frees the
            name, and keeps the credential's id and name history for the audit trail. There is no
            undo: --yes is required.
            """,
        options: [.flag("yes", "Confirm that the secret is to be destroyed")],
        positionals: 1...1,
        examples: ["tokenvault delete erp-old --yes"]
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        guard arguments.flag("yes") else {
            throw VaultError(.invalidInput, "delete destroys the secret for good; add --yes to confirm")
        }
        let vault = try context.openVault()
        let report = try vault.delete(arguments.positionals[0])
        if !report.walTruncated {
            context.io.err("tokenvault: warning: another process kept the WAL open; the next checkpoint will finish shredding\n")
        }
        context.printDone("deleted '\(arguments.positionals[0])'", [("deleted", .string(arguments.positionals[0]))])
        return .ok
    }
}

extension CommandContext {
    /// Prints a one-line confirmation, or its JSON form.
    func printDone(_ text: String, _ json: [(String, JSON)]) {
        if self.json {
            io.out(JSON.object(json).rendered() + "\n")
        } else {
            io.out(Table.clean(text) + "\n")
        }
    }
}
