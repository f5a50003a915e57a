import TokenVault

/// A vault as the commands that also work through `tokenvault serve` use it: the vault file
/// itself (``Vault``), or the service (``ServiceClient``), chosen once by
/// ``CommandContext/access()``. The operations are the library's, with its signatures, so a
/// command is written once and prints the same in both modes.
///
/// ```swift
/// let vault = try context.access()
/// let details = try vault.show(arguments.positionals[0])
/// context.io.out(CredentialOutput.detailsJSON(details, now: vault.now).rendered() + "\n")
/// ```
///
/// Through the service the caller is a principal: its allow list and admin flag bound every
/// call, as ``Vault/acting(as:peer:onBehalfOf:)`` documents, and errors come back with the
/// library's kinds, messages and hints.
protocol VaultAccess: AnyObject {
    /// The time that states and expiries are shown against: the vault's clock, or the client's
    /// own clock through the service (the server's answers carry times, not the server's now).
    var now: UnixTime { get }

    /// Fetches a secret for `need`, as ``Vault/fetch(_:need:version:for:)`` does; the answer
    /// keeps only what `get` and `exec` use.
    ///
    /// - Throws: as ``Vault/fetch(_:need:version:for:)``.
    func fetchSecret(_ name: String, need: Need, version: Int?, for use: SecretUse) throws(VaultError) -> AccessedSecret

    /// Checks a presented token, as ``Vault/verify(_:need:)`` does.
    func verify(_ token: Secret, need: Need) throws(VaultError) -> Credential

    /// Calls `body` with each credential that matches `filter`, as ``Vault/forEachCredential(_:_:)`` does.
    func forEachCredential(_ filter: CredentialFilter, _ body: (Credential) throws -> Void) throws(VaultError)

    /// One credential's details, as ``Vault/show(_:)``.
    func show(_ name: String) throws(VaultError) -> CredentialDetails

    /// What expires soon, as ``Vault/expiring(within:critical:)``.
    func expiring(within: Int64, critical: Int64) throws(VaultError) -> [ExpiringCredential]

    /// Calls `body` with each audit event that matches `filter`, as ``Vault/forEachAuditEvent(_:_:)``.
    func forEachAuditEvent(_ filter: AuditFilter, _ body: (AuditEvent) throws -> Void) throws(VaultError)

    /// Revokes a credential, as ``Vault/revoke(_:atIssuer:)``.
    func revoke(_ name: String, atIssuer: Bool) throws(VaultError) -> [IssuerStepResult]

    /// Revokes one version, as ``Vault/revoke(_:version:atIssuer:)``.
    func revoke(_ name: String, version: Int, atIssuer: Bool) throws(VaultError) -> [IssuerStepResult]

    /// Renames a credential, as ``Vault/rename(_:to:)``.
    func rename(_ name: String, to newName: String) throws(VaultError)

    /// Deletes a credential, as ``Vault/delete(_:atIssuer:)``.
    func delete(_ name: String, atIssuer: Bool) throws(VaultError) -> DeletionReport

    /// Stores a new credential, as ``Vault/add(_:secret:)``.
    func add(_ new: NewCredential, secret: Secret) throws(VaultError) -> Credential

    /// Rotates without a hook, as ``Vault/rotate(_:policy:newSecretIfStored:)``: `newSecret` is
    /// called only for a stored credential.
    func rotate(_ name: String, policy: RotationPolicy, newSecretIfStored newSecret: () throws(VaultError) -> Secret) throws(VaultError)
        -> RotationResult

    /// Rotates from `source`, as ``Vault/rotate(_:from:policy:discardPending:)`` (`rotate --hook`).
    func rotate(_ name: String, from source: RotationSource, policy: RotationPolicy, discardPending: Bool) throws(VaultError)
        -> RotationResult

    /// Seals the audit trail, as ``Vault/sealAuditTrail()``.
    func sealAuditTrail() throws(VaultError) -> AuditSeal

    /// Adds a principal, as ``Vault/addPrincipal(_:recognisedBy:allow:admin:)``.
    func addPrincipal(_ name: String, recognisedBy: NewPrincipalRecognition, allow: [AllowEntry], admin: Bool) throws(VaultError)
        -> (principal: Principal, token: Secret?)

    /// Every principal, as ``Vault/principals()``.
    func principals() throws(VaultError) -> [Principal]

    /// One principal, as ``Vault/principal(named:)``.
    func principal(named name: String) throws(VaultError) -> Principal

    /// Removes a principal, as ``Vault/removePrincipal(_:)``.
    func removePrincipal(_ name: String) throws(VaultError)

    /// Renames a principal, as ``Vault/renamePrincipal(_:to:)``.
    func renamePrincipal(_ name: String, to newName: String) throws(VaultError)

    /// A new access token for a token principal, as ``Vault/rotatePrincipalToken(_:)``.
    func rotatePrincipalToken(_ name: String) throws(VaultError) -> Secret
}

/// A fetched secret, with what `get` and `exec` print about it.
struct AccessedSecret {
    /// The secret, wiped when the last reference goes.
    let secret: Secret
    /// The expiry warning to print on standard error, when the credential expires soon: the
    /// library's ``ExpiryWarning``, as text (the service sends it as text).
    let warning: String?
}

extension Vault: VaultAccess {
    var now: UnixTime { configuration.clock.now }

    func fetchSecret(_ name: String, need: Need, version: Int?, for use: SecretUse) throws(VaultError) -> AccessedSecret {
        let fetched = try fetch(name, need: need, version: version, for: use)
        return AccessedSecret(secret: fetched.secret, warning: fetched.warning?.description)
    }
}
