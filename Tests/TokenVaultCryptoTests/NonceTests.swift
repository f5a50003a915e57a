import Foundation
import Testing

@testable import TokenVaultCrypto

/// RELIABILITY E1: a fresh random 96-bit nonce per encryption, never repeated.
@Suite("Nonce uniqueness")
struct NonceTests {
    struct Nonce: Hashable {
        let high: UInt64
        let low: UInt32
    }

    @Test func aMillionEncryptionsNeverRepeatANonceOrACiphertext() throws {
        let count = ProcessInfo.processInfo.environment["TOKENVAULT_NONCE_COUNT"].flatMap(Int.init) ?? 1_000_000
        let key = try SymmetricKey.generate()
        let plaintext = SecureBytes(copying: Array("the same plaintext every time".utf8))
        var nonces = Set<Nonce>(minimumCapacity: count)
        var ciphertextDigests = Set<Nonce>(minimumCapacity: count)
        for _ in 0..<count {
            let box = try AESGCM.seal(plaintext, using: key, authenticating: [1, 2, 3])
            let nonce = box.withUnsafeBytes { raw in
                Nonce(high: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), low: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            }
            let body = box.withUnsafeBytes { raw in
                Nonce(high: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self), low: raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
            }
            nonces.insert(nonce)
            ciphertextDigests.insert(body)
        }
        #expect(nonces.count == count)
        #expect(ciphertextDigests.count == count)
        print("FIGURE|nonces: encryptions=\(count) repeated-nonces=\(count - nonces.count) repeated-ciphertexts=\(count - ciphertextDigests.count)")
    }
}
