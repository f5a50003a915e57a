internal import TokenVaultCrypto

/// Small text files the CLI reads and writes (seals, public keys, exports): new files are
/// created with mode 0600 and never overwrite anything, a symbolic link included.
package enum TextFiles {
    /// Reads a regular file of at most `limit` bytes as UTF-8.
    ///
    /// - Throws: ``SystemError/Kind/notFound`` when it does not exist;
    ///   ``SystemError/Kind/invalidInput`` when it is not a file or too large.
    package static func read(_ path: String, limit: Int = 64 * 1_024) throws(SystemError) -> String {
        guard Files.kind(at: path) != .missing else { throw SystemError(.notFound, "no file '\(DisplayText.clean(path))'") }
        let bytes: SecureBytes
        do {
            (bytes, _, _) = try Files.readSecretFile(path, limit: limit, what: "file")
        } catch {
            throw .invalid(error.message)
        }
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Refuses a path where ``createNew(_:contents:)`` would fail because something exists,
    /// so that a command can check its outputs before it changes anything: a symbolic link in
    /// any component of `path` is refused here, as ``createNew(_:contents:)`` would refuse it.
    package static func requireAbsent(_ path: String) throws(SystemError) {
        try Files.requireNoSymbolicLink(path)
        guard Files.kind(at: path) == .missing else { throw .invalid("'\(DisplayText.clean(path))' already exists") }
        guard Files.kind(at: Files.parent(of: path)) == .directory else {
            throw .invalid("no folder '\(DisplayText.clean(Files.parent(of: path)))' to write into")
        }
    }

    /// Creates `path` (mode 0600) holding `text`, synced to disk.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when anything exists at `path`.
    package static func createNew(_ path: String, contents text: String) throws(SystemError) {
        try Files.writePrivateFile(path, bytes: SecureBytes(copying: Array(text.utf8)))
    }
}
