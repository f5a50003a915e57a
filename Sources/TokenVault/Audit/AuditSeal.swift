internal import TokenVaultCrypto

/// A signed checkpoint of the audit trail, kept away from the vault.
///
/// Its text form, one field per line:
///
/// ```
/// tokenvault-seal v1
/// vault-id: 5f0c…
/// events: 1234
/// head: 9a41…
/// sealed-at: 2026-11-22T20:00:00Z
/// public-key: 3b6a…
/// signature: 77c2…
/// ```
///
/// The signature is Ed25519 over a canonical encoding of vault id, event count, head hash and time.
public struct AuditSeal: Sendable, Equatable {
    public let vaultID: [UInt8]
    public let eventCount: Int64
    public let headHash: [UInt8]
    public let sealedAt: UnixTime
    public let publicKey: [UInt8]
    public let signature: [UInt8]

    static func signedMessage(vaultID: [UInt8], eventCount: Int64, headHash: [UInt8], sealedAt: UnixTime) -> [UInt8] {
        var encoder = CanonicalEncoder(domain: "tokenvault/v1/audit-seal")
        encoder.append(vaultID)
        encoder.append(eventCount)
        encoder.append(headHash)
        encoder.append(sealedAt)
        return encoder.bytes
    }

    /// The seal's text form.
    public var text: String {
        """
        tokenvault-seal v1
        vault-id: \(Hex.encode(vaultID))
        events: \(eventCount)
        head: \(Hex.encode(headHash))
        sealed-at: \(TimeFormat.iso8601(sealedAt))
        public-key: \(Hex.encode(publicKey))
        signature: \(Hex.encode(signature))

        """
    }

    /// Parses a seal's text form.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` for anything that is not a well-formed seal.
    public init(text: String) throws(VaultError) {
        let bad = VaultError(.invalidInput, "not a TokenVault audit seal (or a damaged one)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard text.utf8.count < 4_096, lines.first == "tokenvault-seal v1", lines.count == 7 else { throw bad }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw bad }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingPrefix(" ").description
        }
        guard let vault = fields["vault-id"].flatMap({ Hex.decode($0.utf8) }), vault.count == 16,
            let count = fields["events"].flatMap({ Int64($0) }), count >= 1,
            let head = fields["head"].flatMap({ Hex.decode($0.utf8) }), head.count == 32,
            let time = fields["sealed-at"], let sealedAt = try? TimeFormat.parseDate(time),
            let key = fields["public-key"].flatMap({ Hex.decode($0.utf8) }), key.count == 32,
            let signature = fields["signature"].flatMap({ Hex.decode($0.utf8) }), signature.count == 64
        else { throw bad }
        self.init(vaultID: vault, eventCount: count, headHash: head, sealedAt: sealedAt, publicKey: key, signature: signature)
    }

    init(vaultID: [UInt8], eventCount: Int64, headHash: [UInt8], sealedAt: UnixTime, publicKey: [UInt8], signature: [UInt8]) {
        self.vaultID = vaultID
        self.eventCount = eventCount
        self.headHash = headHash
        self.sealedAt = sealedAt
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// Lowercase hexadecimal for public values (hashes, keys, ids) in output. Never for secrets.
package enum HexText {
    package static func string(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
}

/// The text form of a seal-verification public key: `tokenvault-ed25519-public-key <64 hex>`.
package enum SealPublicKey {
    static let prefix = "tokenvault-ed25519-public-key "

    package static func text(_ key: [UInt8]) -> String { prefix + Hex.encode(key) + "\n" }

    /// Parses the text form.
    package static func parse(_ text: String) throws(VaultError) -> [UInt8] {
        var trimmed = Substring(text)
        while let last = trimmed.last, last == "\n" || last == "\r\n" || last == "\r" || last == " " { trimmed = trimmed.dropLast() }
        guard trimmed.hasPrefix(prefix), let key = Hex.decode(trimmed.dropFirst(prefix.count).utf8), key.count == 32 else {
            throw VaultError(.invalidInput, "not a TokenVault seal public key")
        }
        return key
    }
}
