internal import CTLS
package import TokenVaultSystem

/// The TLS side of the CLI as a client of `tokenvault serve --listen`: which CA the server's
/// certificate must chain to, and the client certificate to present, if any.
///
/// ```swift
/// let context = try TLSClientContext(caFile: "/etc/tokenvault/ca.crt")
/// let session = try context.session(on: socket.descriptor, serverName: "vault.example.com")
/// ```
///
/// The server's certificate must chain to `caFile` (the system's roots when nil) and name the
/// host connected to (a DNS name, or an IP address in its subject alternative names). TLS 1.2
/// at least.
package final class TLSClientContext {
    private let context: OpaquePointer

    /// - Throws: ``SystemError/Kind/invalidInput`` when a file cannot be read or parsed, or the
    ///   key does not match the certificate; ``SystemError/Kind/failed`` when libssl cannot be
    ///   loaded.
    package init(caFile: String?, certificateFile: String? = nil, keyFile: String? = nil) throws(SystemError) {
        context = try TLSLibrary.context { ctls_client_context(caFile, certificateFile, keyFile, $0, $1) }
    }

    deinit { ctls_context_free(context) }

    /// A client session on the connected, non-blocking socket `descriptor`, for the server
    /// `serverName` (checked against its certificate, and sent as SNI when it is a DNS name).
    ///
    /// - Throws: ``SystemError/Kind/failed`` when OpenSSL cannot make one.
    package func session(on descriptor: Int32, serverName: String) throws(SystemError) -> TLSSession {
        try TLSSession(context: context, descriptor: descriptor, serverName: serverName)
    }
}
