@testable import TokenVaultCrypto

/// Decodes a hex literal written in a test. Independent of `Hex.decode`, which is itself
/// under test: a bad literal stops the run instead of silently becoming other bytes.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count.isMultiple(of: 2), "odd-length hex literal in a test")
    func nibble(_ digit: UInt8) -> UInt8 {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: preconditionFailure("bad hex digit in a test literal")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

extension SecureBytes {
    /// The bytes as an array (test-only: real code keeps secrets in `SecureBytes`).
    var array: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension SymmetricKey {
    /// A key from a hex literal.
    static func hex(_ hex: String) throws -> SymmetricKey {
        try SymmetricKey(SecureBytes(copying: hexBytes(hex)))
    }

    var array: [UInt8] { withUnsafeBytes { Array($0) } }
}
