internal import COpenSSL

/// Algorithm implementations fetched once from OpenSSL's default provider.
///
/// Fetching (`EVP_CIPHER_fetch`, `EVP_MD_fetch`, `EVP_MAC_fetch`) looks the algorithm
/// up by name and costs microseconds; an implicit fetch happens on every call that takes
/// `EVP_aes_256_gcm()`. Fetching once keeps the per-secret cost near OpenSSL's own.
final class FetchedAlgorithms: @unchecked Sendable {
    // @unchecked Sendable: fetched EVP_CIPHER/EVP_MD/EVP_MAC objects are immutable and
    // documented by OpenSSL as safe to share between threads; they are never freed
    // (process lifetime), so no reference can dangle.
    let aes256GCM: OpaquePointer
    let sha256: OpaquePointer
    let hmac: OpaquePointer

    static let shared = FetchedAlgorithms()

    private init() {
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil),
            let digest = EVP_MD_fetch(nil, "SHA256", nil),
            let mac = EVP_MAC_fetch(nil, "HMAC", nil)
        else {
            fatalError("OpenSSL's default provider lacks AES-256-GCM, SHA-256 or HMAC")
        }
        aes256GCM = cipher
        sha256 = digest
        hmac = mac
    }
}
