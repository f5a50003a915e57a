internal import Glibc

/// A file written under a temporary name beside its path, then renamed over it: whoever reads
/// the path sees the old file or the whole new one, never a part, and a failed write leaves
/// nothing behind.
///
/// ```swift
/// let file = try ReplacingFile("/srv/reports/vault.html")
/// bytes.withUnsafeBytes { file.write($0) }
/// try file.commit()   // synced, renamed over the path
/// ```
///
/// The temporary file is made by `mkstemp(3)` in the path's folder (mode 0600, whatever the
/// umask), so the rename stays in one file system. A write that fails is remembered and
/// reported by ``commit()``; a file neither committed nor discarded is removed when it goes.
///
/// Security: the new file has mode 0600, as the vault's other outputs. A symbolic link at the
/// path is replaced, not followed.
package final class ReplacingFile {
    /// The path the file is renamed to.
    package let path: String
    private let temporary: String
    private var descriptor: Int32
    private var failure: String?

    /// Creates the temporary file beside `path`.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when it cannot be created (no such folder, no
    ///   permission), naming `path` and the system's reason.
    package init(_ path: String) throws(SystemError) {
        self.path = path
        let folder = Files.parent(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? "output"
        var template = Array("\(folder)/.\(base).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw .failed("cannot write '\(DisplayText.clean(path, limit: 60))': \(SystemError.errnoMessage)")
        }
        self.descriptor = descriptor
        self.temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(descriptor, 0o600)
    }

    deinit { discard() }

    /// Appends `bytes`; a failure is kept for ``commit()``, and later writes are skipped.
    package func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, descriptor >= 0 else { return }
        if !Files.writeAll(descriptor, bytes) { failure = SystemError.errnoMessage }
    }

    /// Syncs the file and renames it over ``path``.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when a write, the sync or the rename failed; the
    ///   temporary file is removed and the path left as it was.
    package func commit() throws(SystemError) {
        guard descriptor >= 0 else { throw .failed("cannot write '\(DisplayText.clean(path, limit: 60))': already closed") }
        if failure == nil && fsync(descriptor) != 0 { failure = SystemError.errnoMessage }
        if failure == nil && close(descriptor) != 0 { failure = SystemError.errnoMessage }
        descriptor = -1
        if failure == nil && rename(temporary, path) != 0 { failure = SystemError.errnoMessage }
        if let failure {
            unlink(temporary)
            throw .failed("cannot write '\(DisplayText.clean(path, limit: 60))': \(failure)")
        }
    }

    /// Removes the temporary file, leaving the path as it was (nothing after a commit).
    package func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporary)
    }
}
