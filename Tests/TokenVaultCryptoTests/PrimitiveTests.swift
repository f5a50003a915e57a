import Testing

@testable import TokenVaultCrypto

@Suite("SecureBytes")
struct SecureBytesTests {
    @Test("init(copying:) copies the bytes and the count")
    func copying() {
        let source: [UInt8] = [0, 1, 2, 0xFE, 0xFF]
        let secure = SecureBytes(copying: source)
        #expect(secure.count == 5)
        #expect(secure.array == source)
        #expect(SecureBytes(copying: Array("héllo".utf8)).array == Array("héllo".utf8))
        #expect(SecureBytes(copying: source[1..<3]).array == [1, 2])
        let empty = SecureBytes(copying: [UInt8]())
        #expect(empty.count == 0)
        #expect(empty.array == [])
    }

    @Test("init(capacity:) keeps only the bytes the initializer reports, and rethrows")
    func capacityInitializer() throws {
        let partial = SecureBytes(capacity: 8) { buffer in
            #expect(buffer.count == 8)
            #expect(buffer.allSatisfy { $0 == 0 })
            buffer[0] = 7
            buffer[1] = 9
            return 2
        }
        #expect(partial.count == 2)
        #expect(partial.array == [7, 9])

        struct Failure: Error, Equatable {}
        #expect(throws: Failure()) {
            try SecureBytes(capacity: 4) { _ in throw Failure() }
        }
    }

    @Test("slice copies a sub-range")
    func slice() {
        let secure = SecureBytes(copying: Array(0..<10))
        #expect(secure.slice(2..<5).array == [2, 3, 4])
        #expect(secure.slice(0..<10).array == Array(0..<10))
        #expect(secure.slice(9..<10).array == [9])
        let empty = secure.slice(4..<4)
        #expect(empty.count == 0)
        #expect(empty.array == [])
        // The original is untouched.
        #expect(secure.array == Array(0..<10))
    }

    @Test("constantTimeEquals: equal, different, different lengths")
    func constantTimeEquals() {
        let a = SecureBytes(copying: [1, 2, 3, 4])
        #expect(a.constantTimeEquals(SecureBytes(copying: [1, 2, 3, 4])))
        #expect(a.constantTimeEquals(a))
        #expect(!a.constantTimeEquals(SecureBytes(copying: [1, 2, 3, 5])))
        #expect(!a.constantTimeEquals(SecureBytes(copying: [0, 2, 3, 4])))
        #expect(!a.constantTimeEquals(SecureBytes(copying: [1, 2, 3])))
        #expect(!a.constantTimeEquals(SecureBytes(copying: [1, 2, 3, 4, 0])))
        #expect(!a.constantTimeEquals(SecureBytes(copying: [])))
        #expect(SecureBytes(copying: []).constantTimeEquals(SecureBytes(copying: [])))
    }

    @Test("random(count:) gives the requested size and distinct values")
    func random() throws {
        let values = try (0..<32).map { _ in try SecureBytes.random(count: 32).array }
        #expect(values.allSatisfy { $0.count == 32 })
        #expect(Set(values).count == values.count)
        #expect(!values.contains([UInt8](repeating: 0, count: 32)))
        #expect(try SecureBytes.random(count: 0).count == 0)
        #expect(try SecureBytes.random(count: 1000).count == 1000)
        // Random.bytes, used for nonces and salts.
        let nonces = try (0..<32).map { _ in try Random.bytes(12) }
        #expect(nonces.allSatisfy { $0.count == 12 })
        #expect(Set(nonces).count == nonces.count)
        #expect(try Random.bytes(0) == [])
    }
}

@Suite("ConstantTime, Hex and SymmetricKey")
struct PrimitiveTests {
    @Test("ConstantTime.equals")
    func constantTime() {
        #expect(ConstantTime.equals([], []))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [9, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
        #expect(!ConstantTime.equals([], [0]))
        let long = [UInt8](repeating: 0xAB, count: 4096)
        var changed = long
        changed[4095] = 0xAC
        #expect(ConstantTime.equals(long, long))
        #expect(!ConstantTime.equals(long, changed))
    }

    @Test("Hex.encode is lowercase, two digits a byte")
    func hexEncode() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.encode([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF]) == "0123456789abcdef")
        #expect(Hex.encode(Array(0...255)).count == 512)
    }

    @Test("Hex.decode accepts either case and round-trips every byte")
    func hexDecode() {
        #expect(Hex.decode("".utf8) == [])
        #expect(Hex.decode("000fa5ff".utf8) == [0x00, 0x0F, 0xA5, 0xFF])
        #expect(Hex.decode("000FA5FF".utf8) == [0x00, 0x0F, 0xA5, 0xFF])
        #expect(Hex.decode("aBcD".utf8) == [0xAB, 0xCD])
        let all = [UInt8](0...255)
        #expect(Hex.decode(Hex.encode(all).utf8) == all)
        #expect(Hex.decode(Hex.encode(all).uppercased().utf8) == all)
    }

    @Test("Hex.decode returns nil for odd length or a non-hex character")
    func hexDecodeRejects() {
        for text in ["0", "abc", "12345", "0g", "g0", "zz", "12 4", " 1234", "0x12", "12-3", "ab\u{0}0", "é1"] {
            #expect(Hex.decode(text.utf8) == nil, "\(text.debugDescription)")
        }
        #expect(Hex.value(of: UInt8(ascii: "0")) == 0)
        #expect(Hex.value(of: UInt8(ascii: "9")) == 9)
        #expect(Hex.value(of: UInt8(ascii: "a")) == 10)
        #expect(Hex.value(of: UInt8(ascii: "F")) == 15)
        #expect(Hex.value(of: UInt8(ascii: "g")) == nil)
        #expect(Hex.value(of: UInt8(ascii: "/")) == nil)
        #expect(Hex.value(of: UInt8(ascii: ":")) == nil)
        #expect(Hex.value(of: UInt8(ascii: "@")) == nil)
        #expect(Hex.value(of: UInt8(ascii: "G")) == nil)
    }

    @Test("SymmetricKey accepts exactly 32 bytes", arguments: [0, 1, 16, 24, 31, 33, 64])
    func symmetricKeyRejectsSize(_ size: Int) {
        #expect(throws: CryptoError.invalidInput) {
            try SymmetricKey(SecureBytes(copying: [UInt8](repeating: 7, count: size)))
        }
    }

    @Test("SymmetricKey keeps its 32 bytes; generate gives distinct keys")
    func symmetricKey() throws {
        let material = [UInt8](0..<32)
        let key = try SymmetricKey(SecureBytes(copying: material))
        #expect(key.array == material)
        #expect(SymmetricKey.byteCount == 32)
        let generated = try (0..<8).map { _ in try SymmetricKey.generate().array }
        #expect(generated.allSatisfy { $0.count == 32 })
        #expect(Set(generated).count == generated.count)
    }

    @Test("derive(label:) is HMAC-SHA256(key, label): deterministic and label-dependent")
    func deriveLabel() throws {
        let key = try SymmetricKey.hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        let audit = try key.derive(label: "audit")
        // Checked with Python: hmac.new(bytes(range(32)), label, hashlib.sha256).
        #expect(audit.array == hexBytes("0547ef6ed83d95a331b92dbfc65a15e855482fac6d799f464721a9ba79e2d7d3"))
        #expect(
            try key.derive(label: "fingerprint").array
                == hexBytes("5ab8c392c2c54035a048aa6596dd415f0ce2e6f7c449b83e66f5d90f018993e5"))
        #expect(try key.derive(label: "audit").array == audit.array)
        #expect(try key.derive(label: "Audit").array != audit.array)
        #expect(try key.derive(label: "").array != audit.array)
        #expect(audit.array != key.array)
        // A different root key gives a different subkey for the same label.
        let other = try SymmetricKey.generate()
        #expect(try other.derive(label: "audit").array != audit.array)
    }
}
