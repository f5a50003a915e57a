import Testing

@testable import TokenVaultCrypto

@Suite("scrypt parameter bounds")
struct ScryptParameterTests {
    static let unsupported: [Scrypt.Parameters] = [
        // N not a power of two (or too small).
        .init(n: 0, r: 8, p: 1),
        .init(n: 1, r: 8, p: 1),
        .init(n: 3, r: 8, p: 1),
        .init(n: 1000, r: 8, p: 1),
        .init(n: (1 << 14) + 1, r: 8, p: 1),
        // N above 2^20.
        .init(n: 1 << 21, r: 1, p: 1),
        .init(n: 1 << 40, r: 1, p: 1),
        .init(n: 1 << 63, r: 1, p: 1),
        // r or p zero, or above their bounds.
        .init(n: 1 << 10, r: 0, p: 1),
        .init(n: 1 << 10, r: 8, p: 0),
        .init(n: 1 << 10, r: 33, p: 1),
        .init(n: 1 << 10, r: 8, p: 17),
        // Each bound met, but more than 1 GiB in total: 128·r·(N + p + 2).
        .init(n: 1 << 20, r: 8, p: 1),
        .init(n: 1 << 19, r: 16, p: 1),
        .init(n: 1 << 18, r: 32, p: 16),
        // Hostile values from a vault file must be rejected without overflowing.
        .init(n: .max, r: .max, p: .max),
        .init(n: 1 << 20, r: .max, p: 1),
        .init(n: 1 << 20, r: 32, p: .max),
    ]

    static let supported: [Scrypt.Parameters] = [
        .default,
        .init(n: 2, r: 1, p: 1),
        .init(n: 16, r: 1, p: 1),
        .init(n: 1024, r: 8, p: 16),
        .init(n: 1 << 20, r: 1, p: 1),
        .init(n: 1 << 20, r: 7, p: 16),  // 128·7·(2^20 + 18) < 1 GiB
        .init(n: 1 << 19, r: 8, p: 16),
    ]

    @Test("isSupported rejects out-of-range parameters", arguments: unsupported)
    func rejects(_ parameters: Scrypt.Parameters) {
        #expect(!parameters.isSupported)
    }

    @Test("isSupported accepts parameters within the bounds", arguments: supported)
    func accepts(_ parameters: Scrypt.Parameters) {
        #expect(parameters.isSupported)
        #expect(parameters.memoryNeeded <= 1 << 30)
    }

    @Test("memoryNeeded is 128·r·(N + p + 2)")
    func memoryNeeded() {
        #expect(Scrypt.Parameters(n: 16, r: 1, p: 1).memoryNeeded == 128 * 19)
        #expect(Scrypt.Parameters(n: 1024, r: 8, p: 16).memoryNeeded == 128 * 8 * 1042)
        #expect(Scrypt.Parameters(n: 1 << 20, r: 8, p: 1).memoryNeeded == 1_073_744_896)
    }

    @Test("deriveKey throws unsupportedParameters before doing any work", arguments: unsupported)
    func deriveRejects(_ parameters: Scrypt.Parameters) {
        let passphrase = SecureBytes(copying: Array("passphrase".utf8))
        #expect(throws: CryptoError.unsupportedParameters) {
            try Scrypt.deriveKey(from: passphrase, salt: [1, 2, 3], parameters: parameters)
        }
        #expect(throws: CryptoError.unsupportedParameters) {
            try Scrypt.deriveKey(from: passphrase, salt: [1, 2, 3], parameters: parameters, length: 64)
        }
    }

    @Test("derived keys depend on passphrase, salt and parameters")
    func derivationInputsMatter() throws {
        let cheap = Scrypt.Parameters(n: 16, r: 1, p: 1)
        func derive(_ passphrase: String, _ salt: [UInt8], _ parameters: Scrypt.Parameters) throws -> [UInt8] {
            try Scrypt.deriveKey(from: SecureBytes(copying: Array(passphrase.utf8)), salt: salt, parameters: parameters).array
        }
        let base = try derive("hunter2", [1, 2, 3, 4], cheap)
        #expect(base.count == SymmetricKey.byteCount)
        #expect(try derive("hunter2", [1, 2, 3, 4], cheap) == base)
        #expect(try derive("hunter3", [1, 2, 3, 4], cheap) != base)
        #expect(try derive("hunter2", [1, 2, 3, 5], cheap) != base)
        #expect(try derive("hunter2", [1, 2, 3, 4], .init(n: 32, r: 1, p: 1)) != base)
        #expect(try derive("hunter2", [1, 2, 3, 4], .init(n: 16, r: 2, p: 1)) != base)
        #expect(try derive("hunter2", [1, 2, 3, 4], .init(n: 16, r: 1, p: 2)) != base)
        // The 32-byte key is the prefix of a longer output (scrypt ends in PBKDF2).
        let long = try Scrypt.deriveKey(
            from: SecureBytes(copying: Array("hunter2".utf8)), salt: [1, 2, 3, 4], parameters: cheap, length: 64
        )
        #expect(Array(long.array.prefix(32)) == base)
    }
}
