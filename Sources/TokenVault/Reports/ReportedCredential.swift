/// One credential as the admin report lists it: the credential and its findings. Never holds
/// a secret.
///
/// ```swift
/// try vault.report(listing: [.flagged]) { overview in print(overview.credentialCount) } each: { _, item in
///     print(item.credential.name, item.flags.map(\.rawValue).joined(separator: ","))
/// }
/// ```
///
/// A new kind of finding about a credential is a new ``ReportFlag``: it then shows in ``flags``,
/// and in every rendering of the report, without a change here.
public struct ReportedCredential: Sendable {
    /// The credential, checked as every read of the vault checks it.
    public let credential: Credential
    /// Its findings, in the order of ``ReportFlag/allCases``; empty for a revoked credential.
    public let flags: [ReportFlag]

    package init(credential: Credential, flags: [ReportFlag]) {
        self.credential = credential
        self.flags = flags
    }
}
