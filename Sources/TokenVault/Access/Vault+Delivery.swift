extension Vault {
    /// Returns the current secret of a credential for delivery to the principal this handle
    /// acts as, fetched for the need its allow list names (``Principal/deliveryNeed(for:)``):
    /// for the credentials socket, where systemd asks for a credential by name only.
    ///
    /// ```swift
    /// let (principal, peer) = try vault.authenticate(peer: .unit(request.unit), bearer: nil)
    /// let fetched = try vault.acting(as: principal, peer: peer).fetchForDelivery(request.credential)
    /// ```
    ///
    /// It is a ``fetch(_:need:version:for:)`` in every other respect: audited as a `fetch` by the
    /// principal, with the need it was fetched for (a `*` part of the allow entry recorded as not
    /// given), and committed before the secret is returned. The credential's own grants must
    /// cover that need. A credential no allow entry names is fetched for no need at all, which
    /// the allow list refuses: the standard audited `denied`, reason `out of policy` (after `not
    /// found` for a credential that does not exist, as for any fetch).
    ///
    /// - Parameter name: the credential's name.
    /// - Throws: ``VaultError/Kind/invalidInput`` for a bad name, or a handle that does not act
    ///   as a unit's principal (``acting(as:peer:onBehalfOf:)``: other principals declare their
    ///   need); otherwise what
    ///   ``fetch(_:need:version:for:)`` throws, each refusal audited: `not found`, `out of
    ///   policy`, `revoked`, `expired`, `out of scope`, an issued token, an integrity failure.
    public func fetchForDelivery(_ name: String) throws(VaultError) -> FetchedSecret {
        guard let principal = caller.principal, case .unit = principal.recognisedBy else {
            throw .invalid("a delivery is fetched by a unit's principal (the credentials socket): use acting(as:peer:) first")
        }
        let name = try Labels.name(name)
        let need = try (principal.deliveryNeed(for: name) ?? .any).validated()
        return try fetch(validated: name, need: need, version: nil, for: .any)
    }
}
