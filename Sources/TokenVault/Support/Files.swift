internal import Glibc
internal import TokenVaultCrypto

/// File-system operations with the checks a vault needs: private modes whatever the umask,
/// no symbolic links for the vault, bounded reads into wiped memory.
enum Files {
    /// What is at a path, without following a final symbolic link.
    enum Kind { case missing, regular, directory, symbolicLink, other }

    static func kind(at path: String, followingLinks: Bool = false) -> Kind {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The first component of `path` that is a symbolic link, or nil. SQLite refuses such a vault
    /// path (`SQLITE_OPEN_NOFOLLOW` checks every component); checking first gives a clear error
    /// and keeps `init` from creating anything through the link.
    static func symbolicLinkComponent(of path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            switch kind(at: prefix) {
            case .symbolicLink: return prefix
            case .missing: return nil
            default: continue
            }
        }
        return nil
    }

    /// Refuses a path with a symbolic link in any component (vault files, and every private
    /// file created: key files, seals, public keys).
    static func requireNoSymbolicLink(_ path: String) throws(VaultError) {
        if let link = symbolicLinkComponent(of: path) {
            throw .invalid("refusing '\(printable(path))': '\(printable(link))' is a symbolic link")
        }
    }

    /// The parent directory of `path` ("." for a bare file name).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates `directory` and its missing parents with mode 0700. Existing directories are
    /// left as they are.
    static func makeDirectories(_ directory: String) throws(VaultError) {
        switch kind(at: directory) {
        case .directory: return
        case .missing: break
        default: throw .invalid("'\(printable(directory))' exists and is not a directory")
        }
        let up = parent(of: directory)
        if up != directory { try makeDirectories(up) }
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
            throw .failed("cannot create directory '\(printable(directory))': \(systemError())")
        }
        chmod(directory, 0o700)
    }

    /// Creates a new, empty file with mode 0600 (whatever the umask); fails if anything
    /// exists at `path`, a symbolic link included.
    static func createPrivateFile(_ path: String) throws(VaultError) {
        close(try openNewPrivateFile(path))
    }

    /// Creates a new file with mode 0600 (whatever the umask) and returns its descriptor, open
    /// for writing: what is written goes to the file this call created, never to one that
    /// replaced it by name since. Fails if anything exists at `path`, a symbolic link included.
    private static func openNewPrivateFile(_ path: String) throws(VaultError) -> Int32 {
        try requireNoSymbolicLink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .invalid("'\(printable(path))' already exists") }
            throw .failed("cannot create '\(printable(path))': \(systemError())")
        }
        guard fchmod(descriptor, 0o600) == 0 else {
            close(descriptor)
            unlink(path)
            throw .failed("cannot set mode 0600 on '\(printable(path))': \(systemError())")
        }
        return descriptor
    }

    /// Writes `bytes` to a new private file (mode 0600) through the descriptor that created it,
    /// syncing it to disk. Nothing is left behind when it fails.
    static func writePrivateFile(_ path: String, bytes: SecureBytes) throws(VaultError) {
        let descriptor = try openNewPrivateFile(path)
        defer { close(descriptor) }
        let ok = bytes.withUnsafeBytes { raw in writeAll(descriptor, raw) } && fsync(descriptor) == 0
        guard ok else {
            unlink(path)
            throw .failed("cannot write '\(printable(path))': \(systemError())")
        }
    }

    /// Refuses a vault whose file, or `-wal` or `-shm` beside it, other users may read or write
    /// (the vault is created 0600, and SQLite gives its side files the vault's mode).
    ///
    /// - Throws: ``VaultError/Kind/locked``, with the `chmod` that repairs it as the hint.
    static func requirePrivateVaultFiles(_ path: String) throws(VaultError) {
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard lstat(file, &info) == 0 else { continue }
            let mode = info.st_mode & 0o777
            guard mode & 0o077 == 0 else {
                throw VaultError(
                    .locked,
                    "'\(printable(file))' is accessible to other users (mode \(String(mode, radix: 8))); a vault's files must be private",
                    hint: "chmod 600 '\(printable(path))'*"
                )
            }
        }
    }

    /// Reads a key or passphrase file, which must be readable by its owner only (as ssh requires
    /// of private keys).
    ///
    /// - Throws: ``VaultError/Kind/locked`` when it cannot be read or others may read it.
    static func readPrivateFile(_ path: String, limit: Int, what: String) throws(VaultError) -> SecureBytes {
        let (bytes, mode) = try readSecretFile(path, limit: limit, what: what)
        guard mode & 0o077 == 0 else {
            throw VaultError(
                .locked,
                "\(what) '\(printable(path))' is readable by other users (mode \(String(mode, radix: 8)))",
                hint: "chmod 600 '\(printable(path))'"
            )
        }
        return bytes
    }

    /// Reads a whole regular file (not through a final symbolic link) of at most `limit` bytes into wiped memory.
    ///
    /// Opened without blocking, so that a FIFO or a device named as a key file is refused at
    /// once instead of waiting for a writer for ever.
    static func readSecretFile(_ path: String, limit: Int, what: String) throws(VaultError) -> (SecureBytes, mode: mode_t) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "no such file" : errno == ELOOP ? "it is a symbolic link" : systemError()
            throw VaultError(.locked, "cannot read \(what) '\(printable(path))': \(reason)")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw VaultError(.locked, "\(what) '\(printable(path))' is not a regular file")
        }
        return (try readAll(descriptor: descriptor, limit: limit, what: what), info.st_mode & 0o777)
    }

    /// Reads `descriptor` to end of file into wiped memory.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` past `limit` bytes.
    static func readAll(descriptor: Int32, limit: Int, what: String) throws(VaultError) -> SecureBytes {
        try read(descriptor: descriptor, limit: limit, what: what, untilNewline: false)
    }

    /// Reads up to and including a newline (a terminal line), into wiped memory.
    static func readLine(descriptor: Int32, limit: Int) throws(VaultError) -> SecureBytes {
        try read(descriptor: descriptor, limit: limit, what: "the input line", untilNewline: true)
    }

    /// The read loop behind both: retries EINTR, stops at end of file (or after a newline, read
    /// one byte at a time so nothing past it is consumed), and reads one byte past `limit` to
    /// tell "exactly the limit" from "too long".
    private static func read(descriptor: Int32, limit: Int, what: String, untilNewline: Bool) throws(VaultError) -> SecureBytes {
        var failed = false
        let bytes = SecureBytes(capacity: limit + 1) { buffer in
            var used = 0
            while used < buffer.count {
                let n = Glibc.read(descriptor, buffer.baseAddress! + used, untilNewline ? 1 : buffer.count - used)
                if n > 0 {
                    used += n
                    if untilNewline && buffer[used - 1] == UInt8(ascii: "\n") { break }
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    failed = true
                    break
                }
            }
            return used
        }
        if failed { throw .failed("cannot read \(what): \(systemError())") }
        guard bytes.count <= limit else { throw .invalid("\(what) is larger than \(limit) bytes") }
        return bytes
    }

    /// Writes every byte, retrying short writes and EINTR.
    @discardableResult
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Removes a vault file and its WAL and shared-memory files (after a failed `init`).
    static func removeVaultFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}

extension VaultError {
    static func failed(_ message: String) -> VaultError { VaultError(.failed, message) }
}

/// Small text files the CLI reads and writes (seals, public keys, exports): new files are
/// created with mode 0600 and never overwrite anything, a symbolic link included.
public enum TextFiles {
    /// Reads a regular file of at most `limit` bytes as UTF-8.
    ///
    /// - Throws: ``VaultError/Kind/notFound`` when it does not exist;
    ///   ``VaultError/Kind/invalidInput`` when it is not a file or too large.
    public static func read(_ path: String, limit: Int = 64 * 1_024) throws(VaultError) -> String {
        guard Files.kind(at: path) != .missing else { throw VaultError(.notFound, "no file '\(printable(path))'") }
        let bytes: SecureBytes
        do {
            (bytes, _) = try Files.readSecretFile(path, limit: limit, what: "file")
        } catch {
            throw .invalid(error.message)
        }
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Refuses a path where ``createNew(_:contents:)`` would fail because something exists,
    /// so that a command can check its outputs before it changes anything: a symbolic link in
    /// any component of `path` is refused here, as ``createNew(_:contents:)`` would refuse it.
    public static func requireAbsent(_ path: String) throws(VaultError) {
        try Files.requireNoSymbolicLink(path)
        guard Files.kind(at: path) == .missing else { throw .invalid("'\(printable(path))' already exists") }
        guard Files.kind(at: Files.parent(of: path)) == .directory else {
            throw .invalid("no folder '\(printable(Files.parent(of: path)))' to write into")
        }
    }

    /// Creates `path` (mode 0600) holding `text`, synced to disk.
    ///
    /// - Throws: ``VaultError/Kind/invalidInput`` when anything exists at `path`.
    public static func createNew(_ path: String, contents text: String) throws(VaultError) {
        try Files.writePrivateFile(path, bytes: SecureBytes(copying: Array(text.utf8)))
    }
}
