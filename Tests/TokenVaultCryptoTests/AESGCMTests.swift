import Testing

@testable import TokenVaultCrypto

@Suite("AES-256-GCM sealing, opening and tampering")
struct AESGCMTests {
    let key: SymmetricKey
    let plaintext = Array("ghp_0123456789abcdefghijklmnopqrstuvwx".utf8)
    let associatedData = Array("credential:42/version:3".utf8)

    init() throws {
        key = try SymmetricKey.generate()
    }

    @Test("a sealed box opens to its plaintext and has the documented layout")
    func roundTrip() throws {
        let box = try AESGCM.seal(SecureBytes(copying: plaintext), using: key, authenticating: associatedData)
        #expect(box.count == AESGCM.nonceByteCount + plaintext.count + AESGCM.tagByteCount)
        #expect(AESGCM.overhead == 28)
        // The plaintext does not appear in the box.
        #expect(Array(box[AESGCM.nonceByteCount..<(AESGCM.nonceByteCount + plaintext.count)]) != plaintext)
        let opened = try AESGCM.open(box, using: key, authenticating: associatedData)
        #expect(opened.array == plaintext)
    }

    @Test("an empty plaintext round-trips, with and without associated data")
    func emptyPlaintext() throws {
        for aad in [[], associatedData] {
            let box = try AESGCM.seal(SecureBytes(copying: []), using: key, authenticating: aad)
            #expect(box.count == AESGCM.overhead)
            let opened = try AESGCM.open(box, using: key, authenticating: aad)
            #expect(opened.count == 0)
            #expect(opened.array == [])
        }
    }

    @Test("flipping any single byte of nonce, ciphertext or tag fails authentication")
    func everyByteIsAuthenticated() throws {
        let box = try AESGCM.seal(SecureBytes(copying: plaintext), using: key, authenticating: associatedData)
        for index in box.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var tampered = box
                tampered[index] ^= mask
                #expect(throws: CryptoError.authenticationFailure, "byte \(index) ^ \(mask)") {
                    try AESGCM.open(tampered, using: key, authenticating: associatedData)
                }
            }
        }
    }

    @Test("truncating or extending a box fails authentication")
    func lengthChanges() throws {
        let box = try AESGCM.seal(SecureBytes(copying: plaintext), using: key, authenticating: associatedData)
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(Array(box.dropLast()), using: key, authenticating: associatedData)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(box + [0], using: key, authenticating: associatedData)
        }
    }

    @Test("different associated data fails authentication")
    func differentAssociatedData() throws {
        let box = try AESGCM.seal(SecureBytes(copying: plaintext), using: key, authenticating: associatedData)
        for other in [[], Array("credential:43/version:3".utf8), associatedData + [0], Array(associatedData.dropLast())] {
            #expect(throws: CryptoError.authenticationFailure) {
                try AESGCM.open(box, using: key, authenticating: other)
            }
        }
        // And the other way round: sealed with none, opened with some.
        let bare = try AESGCM.seal(SecureBytes(copying: plaintext), using: key, authenticating: [])
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(bare, using: key, authenticating: [0])
        }
    }

    @Test("a different key fails authentication")
    func differentKey() throws {
        let box = try AESGCM.seal(SecureBytes(copying: plaintext), using: key, authenticating: associatedData)
        let otherKey = try SymmetricKey.generate()
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(box, using: otherKey, authenticating: associatedData)
        }
        // A key differing in one bit only.
        var nearBytes = key.array
        nearBytes[31] ^= 0x01
        let nearKey = try SymmetricKey(SecureBytes(copying: nearBytes))
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(box, using: nearKey, authenticating: associatedData)
        }
    }

    @Test("a box shorter than nonce + tag (28 bytes) is invalid input")
    func tooShort() throws {
        for length in [0, 1, 12, 16, 27] {
            #expect(throws: CryptoError.invalidInput, "length \(length)") {
                try AESGCM.open([UInt8](repeating: 0, count: length), using: key, authenticating: [])
            }
        }
        // Exactly 28 bytes is a well-formed (empty) box: it fails on the tag instead.
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open([UInt8](repeating: 0, count: 28), using: key, authenticating: [])
        }
    }

    @Test("two seals of the same plaintext use fresh nonces and differ")
    func freshNonces() throws {
        let secret = SecureBytes(copying: plaintext)
        let boxes = try (0..<16).map { _ in try AESGCM.seal(secret, using: key, authenticating: associatedData) }
        #expect(Set(boxes).count == boxes.count)
        #expect(Set(boxes.map { Array($0.prefix(AESGCM.nonceByteCount)) }).count == boxes.count)
        for box in boxes {
            #expect(try AESGCM.open(box, using: key, authenticating: associatedData).array == plaintext)
        }
    }

    @Test("a large plaintext round-trips")
    func largePlaintext() throws {
        let big = SecureBytes(capacity: 1 << 20) { buffer in
            for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: index &* 31) }
            return buffer.count
        }
        let box = try AESGCM.seal(big, using: key, authenticating: associatedData)
        #expect(box.count == big.count + AESGCM.overhead)
        #expect(try AESGCM.open(box, using: key, authenticating: associatedData).constantTimeEquals(big))
    }
}
