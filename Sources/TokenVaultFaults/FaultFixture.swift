internal import Foundation
internal import TokenVault

/// The vault every fault run starts from, made once through the normal VFS: `erp` (a stored
/// token), `hooked` (a stored token rotated through a protocol-2 hook), `api` (an issued token)
/// and the principal `svc`; with what the checks compare against.
package final class FaultFixture: Sendable {
    let directory: String
    let keyFile: String
    let newKeyFile: String
    let hook: String
    let issuedToken: Secret
    let erpExpiry: UnixTime?
    let editedExpiry: UnixTime
    let fetchEvents: Int
    let verifyEvents: Int

    /// The template's files (the vault and its `-wal`, never the `-shm`, which is rebuilt).
    var templateFiles: [String] { ["vault.db", "vault.db-wal"].map { directory + "/template/" + $0 } }

    package init(directory: String) throws {
        self.directory = directory
        let files = FileManager.default
        try files.createDirectory(atPath: directory + "/template", withIntermediateDirectories: true)
        keyFile = directory + "/vault.key"
        newKeyFile = directory + "/new.key"
        try KeyFile.generate(at: keyFile)
        try KeyFile.generate(at: newKeyFile)
        let script = directory + "/hook.sh"
        let body = """
            #!/bin/sh
            [ "$TOKENVAULT_STEP" = probe ] && { echo protocol=2; exit 0; }
            cat > /dev/null
            [ "$TOKENVAULT_STEP" = create ] && { echo hooked-new; echo "upstream_id=u-$TOKENVAULT_VERSION"; }
            exit 0

            """
        guard files.createFile(atPath: script, contents: Data(body.utf8), attributes: [.posixPermissions: 0o700]) else {
            throw VaultError(.failed, "cannot write the fixture's hook")
        }
        hook = "/bin/sh '\(script)'"
        let vault = try Vault.create(
            at: directory + "/template/vault.db", key: .keyFile(keyFile), configuration: Vault.Configuration(actor: "faults"))
        let scope = try Scope([Grant(parsing: "shop:orders:r")])
        let erp = try vault.add(
            NewCredential(name: "erp", scope: scope, expiry: .after(seconds: 90 * 86_400)), secret: Secret(copying: Array("erp-secret-1".utf8)))
        _ = try vault.add(
            NewCredential(name: "hooked", scope: scope, expiry: .after(seconds: 90 * 86_400)), secret: Secret(copying: Array("hooked-old".utf8)))
        issuedToken = try vault.issue(
            NewCredential(name: "api", scope: try Scope([Grant(parsing: "billing:invoices:r")]), expiry: .after(seconds: 86_400))
        ).token
        _ = try vault.addPrincipal("svc", recognisedBy: .uid(4_242), allow: [AllowEntry(parsing: "erp:*:*:r")])
        erpExpiry = erp.expiresAt
        editedExpiry = (erp.expiresAt ?? 0) + 86_400
        fetchEvents = try FaultOperation.events(vault, "fetch", "erp")
        verifyEvents = try FaultOperation.events(vault, "verify", "api")
    }
}
