internal import TokenVaultCrypto
internal import TokenVaultStore
internal import TokenVaultSystem

/// A leaked token found by ``Vault/scan(_:progress:)``. Names the place and the credential,
/// never the secret.
public struct ScanFinding: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A stored token (an ERP PAT), recognised by its keyed fingerprint.
        case stored
        /// A token minted by this vault.
        case issued
        /// A well-formed `tvk_` token (valid checksum) that this vault does not know.
        case unknownIssued = "unknown-issued"
        /// A principal's access token for the service (`tva_…`); the finding names the principal.
        case accessToken = "access-token"
        /// A well-formed `tva_` token that no principal of this vault has (any more).
        case unknownAccessToken = "unknown-access-token"
    }

    public let path: String
    public let line: Int
    public let kind: Kind
    /// The credential's name (a principal's, for an access token), when known.
    public let credentialName: String?
    /// Which version: the current one, or an older one that may still be valid upstream.
    public let version: Int?
}

/// What a scan covered.
public struct ScanSummary: Sendable {
    public let findings: [ScanFinding]
    public let filesScanned: Int
    public let bytesScanned: Int64
    /// Files skipped as binary, unreadable or larger than 64 MiB.
    public let filesSkipped: Int
}

extension Vault {
    /// Looks for leaked tokens in files and folders.
    ///
    /// Walks `paths` (folders recursively, skipping `.git`, binary files and files over 64 MiB)
    /// line by line. A symbolic link given in `paths` is followed; links met inside folders are
    /// skipped. A vault-minted token is recognised by its `tvk_` prefix (an access token of the
    /// service by `tva_`) and
    /// checksum; a stored token by its keyed fingerprint, as it appears raw, quoted, in JSON, in a
    /// `KEY=value` line or URL-encoded. Nothing is written except one `scan` audit event.
    ///
    /// Security: candidates are compared through HMAC-SHA256 under the vault's lookup key, only
    /// when their length is that of a stored secret; no plaintext secret is decrypted.
    ///
    /// - Parameter progress: called now and then with files and bytes scanned so far.
    public func scan(_ paths: [String], progress: ((Int, Int64) -> Void)? = nil) throws(VaultError) -> ScanSummary {
        let keys = self.keys
        // What to look for: fingerprint -> (name, version, kind), and the lengths worth hashing.
        let index = try reading { db, _ in
            var known: [[UInt8]: (String, Int, ScanFinding.Kind)] = [:]
            var lengths = Set<Int>()
            let authenticator = stateAuthenticator
            try CredentialRecords.forEach(db, authenticator) { loaded in
                let kind: ScanFinding.Kind = loaded.credential.kind == .issued ? .issued : .stored
                for version in try SecretVersions.readAll(of: loaded, db, authenticator) {
                    known[version.fingerprint] = (loaded.credential.name, Int(version.version), kind)
                    if let size = version.ciphertext?.count { lengths.insert(size - AESGCM.overhead) }
                }
            }
            // Access tokens of the service's principals: their keyed hashes are fingerprints too.
            for (stored, newest) in try PrincipalTable.all(db) {
                try authenticator.check(stored, newestEvent: newest)
                if let hash = stored.tokenHash { known[hash] = (stored.name, 0, .accessToken) }
            }
            return ScanIndex(known: known, lengths: lengths)
        }
        var scanner = Scanner(index: index, keys: keys, progress: progress)
        for path in paths { try system { () throws(SystemError) in try scanner.visit(path) } }
        let summary = ScanSummary(
            findings: scanner.findings, filesScanned: scanner.files, bytesScanned: scanner.bytes, filesSkipped: scanner.skipped
        )
        try audited(AuditRecord(.scan)) { _, _, record in
            record.reason = "\(summary.filesScanned) files scanned, \(summary.findings.count) leaked tokens found"
        }
        return summary
    }
}
