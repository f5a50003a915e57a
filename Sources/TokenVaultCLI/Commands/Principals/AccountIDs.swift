import TokenVault
internal import TokenVaultSystem

/// A user or group given on the command line as a number or a name.
enum AccountIDs {
    /// `1001` or `procuros`.
    static func user(_ text: String) throws(VaultError) -> UInt32 {
        guard let id = UInt32(text) ?? Accounts.userID(named: text) else {
            throw VaultError(.invalidInput, "no user '\(Table.clean(text))': give a user id or an existing user name")
        }
        return id
    }

    /// `2001` or `tokenvault-admins`.
    static func group(_ text: String) throws(VaultError) -> UInt32 {
        guard let id = UInt32(text) ?? Accounts.groupID(named: text) else {
            throw VaultError(.invalidInput, "no group '\(Table.clean(text))': give a group id or an existing group name")
        }
        return id
    }
}
