internal import TokenVaultCrypto
internal import TokenVaultStore

extension Vault {
    /// Adds a principal of the service.
    ///
    /// ```swift
    /// let (ci, token) = try vault.addPrincipal("ci", recognisedBy: .token, allow: [try AllowEntry(parsing: "*:*:*:r")])
    /// // token: `tva_…`, shown once; only its keyed hash is stored.
    /// ```
    ///
    /// - Parameters:
    ///   - recognisedBy: a user id, a group id, or `.token` for a new access token.
    ///   - allow: the credentials it may fetch, and for which needs.
    ///   - admin: whether it may manage credentials, principals and the audit trail.
    /// - Returns: the principal, and its access token when `recognisedBy` is `.token`.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a bad or taken name, or a user or group id
    ///   another principal has.
    public func addPrincipal(
        _ name: String, recognisedBy: NewPrincipalRecognition, allow: [AllowEntry] = [], admin: Bool = false
    ) throws(VaultError) -> (principal: Principal, token: Secret?) {
        let name = try Labels.principalName(name)
        let uid = "prn_" + Hex.encode(try Vault.randomBytes(10))
        var token: Secret?
        let kind: String
        var matchID: Int64?
        var matchText: String?
        switch recognisedBy {
        case .uid(let id): (kind, matchID) = ("uid", Int64(id))
        case .gid(let id): (kind, matchID) = ("gid", Int64(id))
        case .token: (kind, token) = ("token", try IssuedTokenFormat.mint(prefix: IssuedTokenFormat.accessPrefix))
        case .certificate(let fingerprint): (kind, matchText) = ("certificate", try Labels.certificateFingerprint(fingerprint))
        case .unit(let unit): (kind, matchText) = ("unit", try Labels.unitName(unit))
        }
        let tokenHash = token.map(keys.fingerprint)
        let allowText = Self.allowText(allow)
        let principal = try audited(AuditRecord(.principalAdd, credentialID: uid, name: name)) { db, now, record in
            guard try PrincipalTable.byName(db, name) == nil else {
                throw VaultError.invalid("a principal named '\(printable(name))' already exists")
            }
            if let matchID, let holder = try PrincipalTable.holder(of: kind, id: matchID, db) {
                throw VaultError.invalid("principal '\(printable(holder))' is already recognised by \(kind) \(matchID)")
            }
            if let matchText, let holder = try PrincipalTable.holder(of: kind, text: matchText, db) {
                throw VaultError.invalid("principal '\(printable(holder))' is already recognised by that \(kind)")
            }
            record.reason =
                "\(kind)\(matchID.map { " \($0)" } ?? "")\(matchText.map { " \($0)" } ?? "")\(admin ? ", admin" : ""); allow \(allow.isEmpty ? "nothing" : allow.map(\.description).joined(separator: " "))"
            var row = StoredPrincipal(
                rowID: 0, uid: uid, name: name, matchKind: kind, matchID: matchID, matchText: matchText, tokenHash: tokenHash, admin: admin ? 1 : 0,
                allow: allowText, createdAt: now, stateSeq: 0, stateMAC: []
            )
            try seal(&row, db, &record)
            row.rowID = try PrincipalTable.insert(db, row)
            return try row.principal()
        }
        return (principal, token)
    }

    /// The service's principals, by name (admins only, through the service).
    ///
    /// - Throws: ``VaultError/Kind/integrity`` (audited) when a row fails its authentication.
    public func principals() throws(VaultError) -> [Principal] {
        try requireAdmin()
        return try reading { db, _ in
            try PrincipalTable.all(db).map { stored, newest throws in
                try checkedPrincipals.principal(of: stored, newestEvent: newest, stateAuthenticator)
            }
        }
    }

    /// The principal named `name` (admins only, through the service).
    ///
    /// - Throws: ``VaultError/Kind/notFound`` when there is none.
    public func principal(named name: String) throws(VaultError) -> Principal {
        let name = try Labels.principalName(name)
        try requireAdmin()
        return try reading { db, _ in
            guard let (stored, newest) = try PrincipalTable.byName(db, name) else { throw Vault.noPrincipal(name) }
            return try checkedPrincipals.principal(of: stored, newestEvent: newest, stateAuthenticator)
        }
    }

    /// Removes a principal: its connections and its token are refused from then on.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited) when there is no such principal.
    public func removePrincipal(_ name: String) throws(VaultError) {
        let name = try Labels.principalName(name)
        try changingPrincipal(name, .principalRemove) { row, db, record in
            try PrincipalTable.delete(db, rowID: row.rowID)
            // The removal is the principal's newest state-changing event: a row restored from a
            // copy would be stale.
            record.stateSeq = try AuditLog.nextSequence(db)
        }
    }

    /// Renames a principal; its id, recognition and allow list stay.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` (audited); ``VaultError/Kind/invalidInput`` for a
    ///   bad or taken name.
    public func renamePrincipal(_ name: String, to newName: String) throws(VaultError) {
        let name = try Labels.principalName(name)
        let newName = try Labels.principalName(newName)
        try changingPrincipal(name, .principalRename) { row, db, record in
            guard newName != name, try PrincipalTable.byName(db, newName) == nil else {
                throw VaultError.invalid("a principal named '\(printable(newName))' already exists")
            }
            record.credentialName = newName
            record.reason = "renamed from '\(name)'"
            row.name = newName
            try seal(&row, db, &record)
            try PrincipalTable.update(db, row)
        }
    }

    /// Gives a token principal a new access token; the old one is refused from then on.
    ///
    /// - Returns: the new token, shown once.
    /// - Throws: ``VaultError/Kind/notFound`` (audited); ``VaultError/Kind/invalidInput`` for a
    ///   principal recognised by a user or group id.
    public func rotatePrincipalToken(_ name: String) throws(VaultError) -> Secret {
        let name = try Labels.principalName(name)
        let token = try IssuedTokenFormat.mint(prefix: IssuedTokenFormat.accessPrefix)
        let hash = keys.fingerprint(of: token)
        try changingPrincipal(name, .principalRotateToken) { row, db, record in
            guard row.matchKind == "token" else {
                throw VaultError.invalid("principal '\(printable(name))' is recognised by its \(row.matchKind), not a token")
            }
            row.tokenHash = hash
            try seal(&row, db, &record)
            try PrincipalTable.update(db, row)
        }
        return token
    }

    /// Runs an audited change of the principal `name`, whose row is checked first.
    private func changingPrincipal(
        _ name: String, _ action: AuditAction, _ change: (inout StoredPrincipal, Connection, inout AuditRecord) throws -> Void
    ) throws(VaultError) {
        try audited(AuditRecord(action, name: name)) { db, _, record in
            guard let (stored, newest) = try PrincipalTable.byName(db, name) else {
                throw Refusal(error: Vault.noPrincipal(name), outcome: .denied, reason: "not found")
            }
            record.credentialID = stored.uid
            try stateAuthenticator.check(stored, newestEvent: newest)
            var row = stored
            try change(&row, db, &record)
        }
    }

    /// Seals `row` under the operation's event, which is marked as changing state.
    private func seal(_ row: inout StoredPrincipal, _ db: Connection, _ record: inout AuditRecord) throws {
        let seq = try AuditLog.nextSequence(db)
        row.stateSeq = seq
        row.stateMAC = stateAuthenticator.mac(of: row, seq: seq)
        record.stateSeq = seq
    }

    static func allowText(_ entries: [AllowEntry]) -> String {
        var seen = Set<AllowEntry>()
        return entries.filter { seen.insert($0).inserted }.map(\.description).joined(separator: "\n")
    }

    static func noPrincipal(_ name: String) -> VaultError {
        VaultError(.notFound, "no principal named '\(printable(name))'")
    }
}

/// How a new principal is to be recognised (``Vault/addPrincipal(_:recognisedBy:allow:admin:)``).
public enum NewPrincipalRecognition: Sendable, Hashable {
    /// By the user id of the connecting process.
    case uid(UInt32)
    /// By the primary group id of the connecting process.
    case gid(UInt32)
    /// By a new bearer access token.
    case token
    /// By the client certificate with this SHA-256 fingerprint (hex, with or without colons),
    /// presented to the TLS listener.
    case certificate(sha256: String)
    /// By a systemd unit's name (`connector.service`), for the credentials it loads through the
    /// credentials socket; each delivery is fetched for the need its allow entry names
    /// (``Principal/deliveryNeed(for:)``).
    case unit(String)
}
