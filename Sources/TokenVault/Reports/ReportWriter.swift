/// A rendering of the admin report that takes it as it streams: the overview first, then each
/// credential of its listings, then the end. The text, JSON and HTML reports are writers;
/// ``Vault/report(unusedFor:into:)`` drives one.
///
/// ```swift
/// struct NeverExpiring: ReportWriter {
///     var listings: [ReportListing] { [.flag(.neverExpiring)] }
///     mutating func begin(_ overview: ReportOverview) { print("\(overview.count(of: .neverExpiring)) never expire") }
///     mutating func add(_ listing: Int, _ item: ReportedCredential) { print(item.credential.name) }
///     mutating func finish() {}
/// }
/// var writer = NeverExpiring()
/// try vault.report(into: &writer)
/// ```
public protocol ReportWriter {
    /// The credentials to list after the overview, in order.
    var listings: [ReportListing] { get }
    /// At most this many credentials of each listing (nil: all).
    var limit: Int? { get }
    /// Called once, before any credential.
    mutating func begin(_ overview: ReportOverview)
    /// Called with the index of the listing in ``listings`` and each of its credentials, by name.
    mutating func add(_ listing: Int, _ item: ReportedCredential)
    /// Called once, after the last credential.
    mutating func finish()
}

extension ReportWriter {
    /// Every credential of each listing.
    public var limit: Int? { nil }
}

extension Vault {
    /// Streams the admin report into `writer`
    /// (``report(unusedFor:listing:limit:overview:each:)`` with the writer's listings and limit,
    /// then ``ReportWriter/finish()``) and returns its overview.
    ///
    /// - Throws: what ``report(unusedFor:listing:limit:overview:each:)`` throws; `finish` is not
    ///   called then.
    @discardableResult
    public func report<Writer: ReportWriter>(unusedFor: Int64 = 90 * 86_400, into writer: inout Writer) throws(VaultError) -> ReportOverview {
        var overview: ReportOverview?
        try report(unusedFor: unusedFor, listing: writer.listings, limit: writer.limit) { summary in
            overview = summary
            writer.begin(summary)
        } each: { index, item in
            writer.add(index, item)
        }
        writer.finish()
        guard let overview else { throw VaultError(.failed, "the report has no overview") }
        return overview
    }
}
