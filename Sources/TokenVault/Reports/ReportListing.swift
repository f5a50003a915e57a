/// Which credentials a report lists, one listing after another, each by name.
///
/// ```swift
/// // The text report's sections:
/// let listings: [ReportListing] = [.flag(.unlimited), .flag(.neverExpiring), .flag(.expiredNotRevoked), .flag(.unused)]
/// ```
public enum ReportListing: Sendable, Hashable {
    /// The unrevoked credentials with this flag.
    case flag(ReportFlag)
    /// Every credential with at least one flag.
    case flagged
    /// The unrevoked credentials with a connection test, each with its last one.
    case tested
}
