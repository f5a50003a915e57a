internal import CTLS
import TokenVaultSystem

/// libssl, opened on first use (`dlopen`), and the C glue's error texts.
enum TLSLibrary {
    /// Opens libssl once.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when it cannot be loaded (not installed, not
    ///   OpenSSL 3).
    static func load() throws(SystemError) {
        var error = errorBuffer()
        let loaded = error.withUnsafeMutableBufferPointer { ctls_load($0.baseAddress, $0.count) }
        guard loaded == 0 else { throw .failed(text(of: error)) }
    }

    /// A buffer for a C function's reason.
    static func errorBuffer() -> [CChar] { [CChar](repeating: 0, count: 256) }

    /// The reason a C function wrote (OpenSSL's own words: "wrong version number",
    /// "certificate has expired"); never key material.
    static func text(of buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return DisplayText.clean(String(decoding: bytes, as: UTF8.self), limit: 200)
    }
}
