internal import Glibc
internal import TokenVaultCrypto

/// A walk over files and folders that reads each regular file into memory that is wiped
/// afterwards: for `scan`, whose input may hold secrets.
///
/// ```swift
/// try FileWalk.visit(root, maximumSize: 64 << 20) { file in
///     if case .read(let path, let bytes) = file { search(bytes, in: path) }
/// }
/// ```
package enum FileWalk {
    /// What the walk met.
    package enum Entry {
        /// A regular file and its contents, valid during the call only.
        case read(path: String, contents: ArraySlice<UInt8>)
        /// Something that was not read: a link inside a folder, a FIFO or device, a file too
        /// large or that could not be opened, a folder that could not be listed.
        case skipped(path: String)
    }

    /// Visits `root` and, for a folder, everything below it in name order (skipping `.git`).
    ///
    /// `root` itself is followed if it is a symbolic link (as `grep -r` does); links met inside
    /// folders are skipped. Files inside folders are opened with `O_NOFOLLOW | O_NONBLOCK` and
    /// must still be regular files once open, so a file swapped for a link or a FIFO after the
    /// walk looked at it is skipped, never followed or waited on.
    ///
    /// - Throws: ``SystemError/Kind/notFound`` when nothing is at `root`.
    package static func visit(_ root: String, maximumSize: Int, _ body: (Entry) -> Void) throws(SystemError) {
        if Files.kind(at: root, followingLinks: true) == .missing {
            throw SystemError(.notFound, "no such file or folder '\(DisplayText.clean(root, limit: 60))'")
        }
        visit(root, top: true, maximumSize: maximumSize, body)
    }

    private static func visit(_ path: String, top: Bool, maximumSize: Int, _ body: (Entry) -> Void) {
        switch Files.kind(at: path, followingLinks: top) {
        case .directory:
            guard let directory = opendir(path) else { return body(.skipped(path: path)) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." && name != ".git" { names.append(name) }
            }
            closedir(directory)
            for name in names.sorted() {
                visit(path == "/" ? "/" + name : path + "/" + name, top: false, maximumSize: maximumSize, body)
            }
        case .regular:
            readFile(path, followingLink: top, maximumSize: maximumSize, body)
        default:
            if !top { body(.skipped(path: path)) }
        }
    }

    private static func readFile(_ path: String, followingLink: Bool, maximumSize: Int, _ body: (Entry) -> Void) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followingLink ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else { return body(.skipped(path: path)) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= maximumSize else {
            return body(.skipped(path: path))
        }
        var content = [UInt8](repeating: 0, count: Int(info.st_size))
        // The file may hold secrets: wipe this copy once it has been looked at.
        defer { Wipe.array(&content) }
        var used = 0
        while used < content.count {
            let n = content.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + used, $0.count - used) }
            if n <= 0 { break }
            used += n
        }
        body(.read(path: path, contents: content[0..<used]))
    }
}
