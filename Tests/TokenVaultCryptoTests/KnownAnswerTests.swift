import Testing

@testable import TokenVaultCrypto

/// Known-answer tests. Every vector below was checked against Python's `cryptography`
/// (AES-GCM), `hmac` and `hashlib` (HMAC-SHA256, scrypt, SHA-256) before use.
@Suite("Known-answer vectors")
struct KnownAnswerTests {
    // MARK: AES-256-GCM

    /// A test case from McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
    /// Appendix B (the 256-bit-key cases, also in NIST's GCM validation suite).
    struct GCMVector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: String
        let nonce: String
        let plaintext: String
        let associatedData: String
        let ciphertext: String
        let tag: String
        var testDescription: String { name }
    }

    static let gcmVectors: [GCMVector] = [
        GCMVector(
            name: "GCM test case 13 (empty plaintext, zero key)",
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            nonce: "000000000000000000000000",
            plaintext: "",
            associatedData: "",
            ciphertext: "",
            tag: "530f8afbc74536b9a963b4f1c4cb738b"
        ),
        GCMVector(
            name: "GCM test case 14 (one zero block, zero key)",
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            nonce: "000000000000000000000000",
            plaintext: "00000000000000000000000000000000",
            associatedData: "",
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919"
        ),
        GCMVector(
            name: "GCM test case 15 (four blocks, no AAD)",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            associatedData: "",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c"
        ),
        GCMVector(
            name: "GCM test case 16 (partial block, with AAD)",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            associatedData: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"
        ),
    ]

    @Test("AES-256-GCM seal with a fixed nonce gives nonce ‖ ciphertext ‖ tag", arguments: gcmVectors)
    func aesGCMSeal(_ vector: GCMVector) throws {
        let key = try SymmetricKey.hex(vector.key)
        let box = try AESGCM.seal(
            SecureBytes(copying: hexBytes(vector.plaintext)),
            using: key,
            nonce: hexBytes(vector.nonce),
            authenticating: hexBytes(vector.associatedData)
        )
        #expect(box == hexBytes(vector.nonce + vector.ciphertext + vector.tag))
        #expect(box.count == hexBytes(vector.plaintext).count + AESGCM.overhead)
    }

    @Test("AES-256-GCM open of the published box gives the plaintext", arguments: gcmVectors)
    func aesGCMOpen(_ vector: GCMVector) throws {
        let key = try SymmetricKey.hex(vector.key)
        let opened = try AESGCM.open(
            hexBytes(vector.nonce + vector.ciphertext + vector.tag),
            using: key,
            authenticating: hexBytes(vector.associatedData)
        )
        #expect(opened.array == hexBytes(vector.plaintext))
        #expect(opened.count == hexBytes(vector.plaintext).count)
    }

    @Test("AES-256-GCM seal refuses a nonce that is not 12 bytes")
    func aesGCMNonceLength() throws {
        let key = try SymmetricKey.hex(String(repeating: "00", count: 32))
        for length in [0, 8, 11, 13, 16] {
            #expect(throws: CryptoError.invalidInput) {
                try AESGCM.seal(
                    SecureBytes(copying: [1, 2, 3]), using: key,
                    nonce: [UInt8](repeating: 0, count: length), authenticating: []
                )
            }
        }
    }

    // MARK: HMAC-SHA256 (RFC 4231)

    struct HMACVector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: String
        let data: String
        let mac: String
        var testDescription: String { name }
    }

    static let hmacVectors: [HMACVector] = [
        HMACVector(
            name: "RFC 4231 test case 1 (20-byte key)",
            key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            data: "4869205468657265",  // "Hi There"
            mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        HMACVector(
            name: "RFC 4231 test case 2 (4-byte key \"Jefe\")",
            key: "4a656665",
            data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",  // "what do ya want for nothing?"
            mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        HMACVector(
            name: "RFC 4231 test case 4 (25-byte key, 50 × 0xcd)",
            key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
            data: String(repeating: "cd", count: 50),
            mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        HMACVector(
            name: "RFC 4231 test case 6 (131-byte key, longer than a block)",
            key: String(repeating: "aa", count: 131),
            // "Test Using Larger Than Block-Size Key - Hash Key First"
            data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
                + "65204b6579202d2048617368204b6579204669727374",
            mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
    ]

    @Test("HMAC-SHA256 with a raw key of any length", arguments: hmacVectors)
    func hmacRFC4231(_ vector: HMACVector) {
        let key = hexBytes(vector.key)
        let data = hexBytes(vector.data)
        let mac = data.withUnsafeBytes { dataBytes in
            key.withUnsafeBytes { keyBytes in HMAC.authenticate(dataBytes, rawKey: keyBytes) }
        }
        #expect(mac == hexBytes(vector.mac))
    }

    @Test("HMAC-SHA256 with a 32-byte SymmetricKey, from an array and from SecureBytes")
    func hmacWithSymmetricKey() throws {
        // Checked with Python: hmac.new(bytes(range(32)), b"audit", hashlib.sha256).
        let key = try SymmetricKey.hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        let expected = hexBytes("0547ef6ed83d95a331b92dbfc65a15e855482fac6d799f464721a9ba79e2d7d3")
        #expect(HMAC.authenticate(Array("audit".utf8), using: key) == expected)
        #expect(HMAC.authenticate(SecureBytes(copying: Array("audit".utf8)), using: key) == expected)
        #expect(HMAC.authenticate(Array("audiT".utf8), using: key) != expected)
    }

    @Test("A KeyedHMAC gives the same MACs as HMAC, from many threads at once")
    func keyedHMACMatchesHMACFromManyThreads() async throws {
        let key = try SymmetricKey.hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        let keyed = try KeyedHMAC(key: key)
        #expect(keyed.authenticate(Array("audit".utf8)) == hexBytes("0547ef6ed83d95a331b92dbfc65a15e855482fac6d799f464721a9ba79e2d7d3"))
        #expect(keyed.authenticate(SecureBytes(copying: Array("audiT".utf8))) == HMAC.authenticate(Array("audiT".utf8), using: key))
        #expect(keyed.authenticate([UInt8]()) == HMAC.authenticate([UInt8](), using: key))
        // One template shared by 8 tasks, each MACing its own messages.
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<500).filter { i in
                        let message = Array("event \(task)-\(i)".utf8)
                        return keyed.authenticate(message) != HMAC.authenticate(message, using: key)
                    }.count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    // MARK: scrypt (RFC 7914 §12)

    struct ScryptVector: Sendable, CustomTestStringConvertible {
        let name: String
        let passphrase: String
        let salt: String
        let parameters: Scrypt.Parameters
        let derived: String
        var testDescription: String { name }
    }

    static let scryptVectors: [ScryptVector] = [
        ScryptVector(
            name: "RFC 7914: P=\"\" S=\"\" N=16 r=1 p=1",
            passphrase: "", salt: "", parameters: .init(n: 16, r: 1, p: 1),
            derived: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        ),
        ScryptVector(
            name: "RFC 7914: P=\"password\" S=\"NaCl\" N=1024 r=8 p=16",
            passphrase: "password", salt: "NaCl", parameters: .init(n: 1024, r: 8, p: 16),
            derived: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        ),
        ScryptVector(
            name: "RFC 7914: P=\"pleaseletmein\" S=\"SodiumChloride\" N=16384 r=8 p=1",
            passphrase: "pleaseletmein", salt: "SodiumChloride", parameters: .init(n: 16384, r: 8, p: 1),
            derived: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
        ),
    ]

    @Test("scrypt known answers (64-byte output)", arguments: scryptVectors)
    func scryptRFC7914(_ vector: ScryptVector) throws {
        let derived = try Scrypt.deriveKey(
            from: SecureBytes(copying: Array(vector.passphrase.utf8)),
            salt: Array(vector.salt.utf8),
            parameters: vector.parameters,
            length: 64
        )
        #expect(derived.count == 64)
        #expect(derived.array == hexBytes(vector.derived))
    }

    @Test("scrypt with the default parameters (N=2^17, r=8, p=1) gives a 256-bit key")
    func scryptDefaultParameters() throws {
        #expect(Scrypt.Parameters.default == Scrypt.Parameters(n: 1 << 17, r: 8, p: 1))
        #expect(Scrypt.Parameters.default.isSupported)
        #expect(Scrypt.Parameters.default.memoryNeeded == 134_220_800)  // 128·8·(2^17 + 1 + 2)
        // Checked with Python: hashlib.scrypt(b"correct horse battery staple",
        //   salt=bytes(range(16)), n=2**17, r=8, p=1, dklen=32, maxmem=256 MiB).
        let key = try Scrypt.deriveKey(
            from: SecureBytes(copying: Array("correct horse battery staple".utf8)),
            salt: Array(0..<16),
            parameters: .default
        )
        #expect(key.array == hexBytes("1b2946da71f41179e83b99dc33842d15741b87c4121c8c7f3781c1df864fb58b"))
    }

    // MARK: SHA-256 (FIPS 180-2)

    @Test("SHA-256 of \"abc\", of \"\" and of the two-block message")
    func sha256() {
        #expect(SHA256.hash(Array("abc".utf8)) == hexBytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(SHA256.hash([]) == hexBytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        #expect(
            SHA256.hexHash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
        #expect(SHA256.hexHash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
