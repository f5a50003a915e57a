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

    /// A context made by `make` (a `ctls_*_context` call given a buffer for its reason), with
    /// libssl loaded first.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when libssl cannot be loaded;
    ///   ``SystemError/Kind/invalidInput`` with the reason when `make` returns none.
    static func context(_ make: (UnsafeMutablePointer<CChar>?, Int) -> OpaquePointer?) throws(SystemError) -> OpaquePointer {
        try load()
        var error = errorBuffer()
        let made = error.withUnsafeMutableBufferPointer { make($0.baseAddress, $0.count) }
        guard let made else { throw .invalid("cannot set up TLS: \(text(of: error))") }
        return made
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
