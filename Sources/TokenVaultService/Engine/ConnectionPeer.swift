public import TokenVaultSystem

/// Who is at the other end of a connection, as the transport established it before any
/// request was read.
///
/// - Important: These are the only identities a handler can trust without a credential in the
///   request: the kernel's record of a local process, or a client certificate the TLS
///   handshake verified.
public enum ConnectionPeer: Sendable, Hashable {
    /// A process on this host, connected to the Unix socket (`SO_PEERCRED`).
    case local(PeerCredentials)
    /// A client of the TLS listener: its address (`HOST:PORT`) and the SHA-256 fingerprint
    /// (lowercase hex) of the client certificate it presented and the handshake verified, if any.
    case remote(address: String, certificateFingerprint: String?)
}
