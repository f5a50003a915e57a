internal import CTLS
package import TokenVaultSystem

/// The TLS side of `tokenvault serve --listen`: the server's certificate and key, and the CA
/// that client certificates must chain to, loaded once and shared by every connection.
///
/// ```swift
/// let context = try TLSServerContext(certificateFile: "server.crt", keyFile: "server.key", clientCAFile: "clients.crt")
/// let session = try context.session(on: socket.descriptor)
/// ```
///
/// TLS 1.3 is preferred and 1.2 allowed (forward-secret AEAD suites only); no session
/// resumption, so every connection is authenticated afresh. Without `clientCAFile` no client
/// certificate is asked for; with it, a client may present one, which must chain to that CA
/// and be within its validity period, or the handshake fails.
///
/// libssl is opened the first time a context is made (TLS is the only user of it), so the
/// commands that never speak TLS start without loading it.
package final class TLSServerContext: @unchecked Sendable {
    // OpenSSL's SSL_CTX is safe to share between threads once configured: sessions are made
    // from it concurrently, and nothing changes it afterwards.
    private let context: OpaquePointer

    /// Loads the certificate chain, the key and, when given, the client CA (PEM files).
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when a file cannot be read or parsed, or the
    ///   key does not match the certificate; ``SystemError/Kind/failed`` when libssl cannot be
    ///   loaded.
    ///
    /// - Important: the key file is read by OpenSSL as it is; keep it readable by the service's
    ///   user only.
    package init(certificateFile: String, keyFile: String, clientCAFile: String?) throws(SystemError) {
        context = try TLSLibrary.context { ctls_server_context(certificateFile, keyFile, clientCAFile, $0, $1) }
    }

    deinit { ctls_context_free(context) }

    /// A server session on the accepted, non-blocking socket `descriptor` (which stays the
    /// caller's to close).
    ///
    /// - Throws: ``SystemError/Kind/failed`` when OpenSSL cannot make one (out of memory).
    package func session(on descriptor: Int32) throws(SystemError) -> TLSSession {
        try TLSSession(context: context, descriptor: descriptor, serverName: nil)
    }
}
