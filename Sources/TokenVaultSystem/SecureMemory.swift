internal import Glibc

/// Zeroing of memory that held a secret, with `explicit_bzero`, which the compiler cannot drop
/// as a dead store: for buffers that are not ``SecureBytes`` (a request or an answer of the
/// service: the CLI as a client's, and the server's responses once written).
///
/// ```swift
/// var request = Array(head.utf8)
/// defer { SecureMemory.wipe(&request) }
/// ```
package enum SecureMemory {
    /// Overwrites every byte of `bytes` (its count, not its spare capacity) with zero.
    package static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }

    /// Overwrites every byte of `buffer` with zero.
    package static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        explicit_bzero(base, buffer.count)
    }
}
