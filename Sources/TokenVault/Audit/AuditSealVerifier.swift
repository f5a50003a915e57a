internal import TokenVaultCrypto
internal import TokenVaultStore

/// Verification of a vault's audit trail against a seal, without the vault's key (for auditors).
public enum AuditSealVerifier {
    /// Checks `seal`'s signature with `publicKey`, then the trail in the vault at `path` (a file
    /// or a `postgresql://` URI):
    /// its vault id, its sequence and hash chain up to the sealed position, and that the event
    /// there is the sealed one. Events after the seal are chain-checked and counted.
    ///
    /// - Returns: the report; ``AuditReport/problem`` names the first bad event, a truncation
    ///   or a rollback.
    /// - Throws: ``VaultError/Kind/integrity`` when the seal's signature is invalid or it
    ///   belongs to another vault; ``VaultError/Kind/notFound`` when there is no vault file.
    public static func verify(vaultAt path: String, seal: AuditSeal, publicKey: [UInt8]) throws(VaultError) -> AuditReport {
        let key: Ed25519.PublicKey
        do { key = try Ed25519.PublicKey(rawRepresentation: publicKey) } catch { throw .invalid("the public key is malformed") }
        let message = AuditSeal.signedMessage(vaultID: seal.vaultID, eventCount: seal.eventCount, headHash: seal.headHash, sealedAt: seal.sealedAt)
        guard key.isValidSignature(seal.signature, for: message) else {
            throw VaultError(.integrity, "the seal's signature does not verify with this public key")
        }
        let location = try StoreLocation(vault: path)
        if case .file(let file) = location { try Vault.requireVaultFile(at: file) }
        return try Vault.mapErrors {
            var options = Connection.Options()
            options.busyTimeoutMilliseconds = 5_000
            let db = try Connection(location: location, options: options)
            if location.engine == .postgresql { try PostgresVaultCatalog.read(db).require(creating: false) }
            guard let vaultID = try VaultMetaTable.vaultID(db) else {
                throw VaultError(.integrity, "the vault has no valid header")
            }
            guard vaultID == seal.vaultID else { throw VaultError(.integrity, "the seal belongs to another vault") }
            return try AuditChainWalker.walk(location: location, options: options, vaultID: vaultID, auditKey: nil, seal: seal)
        }
    }
}
