internal import Glibc
package import TokenVaultCrypto

/// File-system operations with the checks a vault needs: private modes whatever the umask,
/// no symbolic links for the vault, bounded reads into wiped memory.
package enum Files {
    /// What is at a path, without following a final symbolic link.
    package enum Kind { case missing, regular, directory, symbolicLink, other }

    package static func kind(at path: String, followingLinks: Bool = false) -> Kind {
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
    package static func symbolicLinkComponent(of path: String) -> String? {
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
    package static func requireNoSymbolicLink(_ path: String) throws(SystemError) {
        if let link = symbolicLinkComponent(of: path) {
            throw .invalid("refusing '\(DisplayText.clean(path, limit: 60))': '\(DisplayText.clean(link, limit: 60))' is a symbolic link")
        }
    }

    /// The parent directory of `path` ("." for a bare file name).
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates `directory` and its missing parents with mode 0700. Existing directories are
    /// left as they are.
    package static func makeDirectories(_ directory: String) throws(SystemError) {
        switch kind(at: directory) {
        case .directory: return
        case .missing: break
        default: throw .invalid("'\(DisplayText.clean(directory, limit: 60))' exists and is not a directory")
        }
        let up = parent(of: directory)
        if up != directory { try makeDirectories(up) }
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
            throw .failed("cannot create directory '\(DisplayText.clean(directory, limit: 60))': \(systemError())")
        }
        chmod(directory, 0o700)
    }

    /// Creates a new, empty file with mode 0600 (whatever the umask); fails if anything
    /// exists at `path`, a symbolic link included.
    package static func createPrivateFile(_ path: String) throws(SystemError) {
        close(try openNewPrivateFile(path))
    }

    /// Creates a new file with mode 0600 (whatever the umask) and returns its descriptor, open
    /// for writing: what is written goes to the file this call created, never to one that
    /// replaced it by name since. Fails if anything exists at `path`, a symbolic link included.
    private static func openNewPrivateFile(_ path: String) throws(SystemError) -> Int32 {
        try requireNoSymbolicLink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .invalid("'\(DisplayText.clean(path, limit: 60))' already exists") }
            throw .failed("cannot create '\(DisplayText.clean(path, limit: 60))': \(systemError())")
        }
        guard fchmod(descriptor, 0o600) == 0 else {
            close(descriptor)
            unlink(path)
            throw .failed("cannot set mode 0600 on '\(DisplayText.clean(path, limit: 60))': \(systemError())")
        }
        return descriptor
    }

    /// Writes `bytes` to a new private file (mode 0600) through the descriptor that created it,
    /// syncing it to disk. Nothing is left behind when it fails.
    package static func writePrivateFile(_ path: String, bytes: SecureBytes) throws(SystemError) {
        let descriptor = try openNewPrivateFile(path)
        defer { close(descriptor) }
        let ok = bytes.withUnsafeBytes { raw in writeAll(descriptor, raw) } && fsync(descriptor) == 0
        guard ok else {
            unlink(path)
            throw .failed("cannot write '\(DisplayText.clean(path, limit: 60))': \(systemError())")
        }
    }

    /// Refuses a vault whose file, or `-wal` or `-shm` beside it, other users may read or write
    /// (the vault is created 0600, and SQLite gives its side files the vault's mode).
    ///
    /// - Throws: ``SystemError/Kind/locked``, with the `chmod` that repairs it as the hint.
    package static func requirePrivateVaultFiles(_ path: String) throws(SystemError) {
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard lstat(file, &info) == 0 else { continue }
            let mode = info.st_mode & 0o777
            guard mode & 0o077 == 0 else {
                throw SystemError(
                    .locked,
                    "'\(DisplayText.clean(file, limit: 60))' is accessible to other users (mode \(String(mode, radix: 8))); a vault's files must be private",
                    hint: "chmod 600 '\(DisplayText.clean(path, limit: 60))'*"
                )
            }
        }
    }

    /// Reads a key or passphrase file, which must be readable by its owner only (as ssh requires
    /// of private keys).
    ///
    /// - Throws: ``SystemError/Kind/locked`` when it cannot be read or others may read it.
    package static func readPrivateFile(_ path: String, limit: Int, what: String) throws(SystemError) -> SecureBytes {
        let (bytes, mode, owner) = try readSecretFile(path, limit: limit, what: what)
        guard keepsOthersOut(path, mode: mode, owner: owner) else {
            throw SystemError(
                .locked,
                "\(what) '\(DisplayText.clean(path, limit: 60))' is readable by other users (mode \(String(mode, radix: 8)))",
                hint: "chmod 600 '\(DisplayText.clean(path, limit: 60))'"
            )
        }
        return bytes
    }

    /// Refuses a private key file (a TLS key) that is not this user's own, before a library
    /// reads it by its path: it must be a regular file (not through a final symbolic link),
    /// owned by the effective user or root, with no permission for group or others.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when it is missing, a link or not a regular
    ///   file, another user's (not root's), or its mode lets others in, with the `chmod` that repairs it as
    ///   the hint.
    package static func requireOwnerOnly(_ path: String, what: String) throws(SystemError) {
        let shown = DisplayText.clean(path, limit: 60)
        let (descriptor, info) = try openRegularFile(path, what: what, refusal: .invalidInput)
        close(descriptor)
        // Root's or this user's (root can read it anyway; a systemd credential may be root's).
        guard info.st_uid == geteuid() || info.st_uid == 0 else { throw .invalid("\(what) '\(shown)' belongs to another user") }
        let mode = info.st_mode & 0o777
        guard keepsOthersOut(path, mode: mode, owner: info.st_uid) else {
            throw SystemError(
                .invalidInput, "\(what) '\(shown)' is accessible to other users (mode \(String(mode, radix: 8)))", hint: "chmod 600 '\(shown)'"
            )
        }
    }

    /// Whether a private file's `mode` and `owner` keep other users out: no permission for group
    /// or others; or a systemd credential, whose group bits are an ACL's mask — a file right in
    /// `$CREDENTIALS_DIRECTORY` (`LoadCredential=`), root's, with neither group write nor any
    /// permission for others.
    ///
    /// systemd writes a credential 0400 and root's, then gives the service's user read access
    /// with an ACL entry, which `stat` shows in the group bits (mode 0440, though no group may
    /// read it); where the file system has no ACLs it gives the file to the user instead (0400,
    /// which passes the usual check). The directory is the service's alone and read-only.
    static func keepsOthersOut(_ path: String, mode: UInt32, owner: UInt32) -> Bool {
        guard mode & 0o077 != 0 else { return true }
        guard owner == 0, mode & 0o027 == 0, let directory = getenv("CREDENTIALS_DIRECTORY").map({ String(cString: $0) }), !directory.isEmpty
        else { return false }
        return parent(of: path) == (directory.hasSuffix("/") ? String(directory.dropLast()) : directory)
    }

    /// The first `count` bytes of the regular file at `path` (fewer when it is shorter), read
    /// without following a final symbolic link or blocking on a FIFO; nil when it cannot be read.
    package static func prefix(of path: String, count: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, count) }
        guard n >= 0 else { return nil }
        return Array(bytes.prefix(n))
    }

    /// Reads a whole regular file (not through a final symbolic link) of at most `limit` bytes into wiped memory.
    ///
    /// Opened without blocking, so that a FIFO or a device named as a key file is refused at
    /// once instead of waiting for a writer for ever.
    package static func readSecretFile(_ path: String, limit: Int, what: String) throws(SystemError) -> (
        SecureBytes, mode: UInt32, owner: UInt32
    ) {
        let (descriptor, info) = try openRegularFile(path, what: what, refusal: .locked)
        defer { close(descriptor) }
        return (try readAll(descriptor: descriptor, limit: limit, what: what), info.st_mode & 0o777, info.st_uid)
    }

    /// Opens a regular file for reading, not through a final symbolic link and without blocking
    /// (a FIFO or a device is refused at once), and returns its descriptor, the caller's to
    /// close, with its `fstat`.
    ///
    /// - Throws: a `refusal` error when it cannot be opened or is not a regular file.
    private static func openRegularFile(_ path: String, what: String, refusal: SystemError.Kind) throws(SystemError) -> (Int32, stat) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "no such file" : errno == ELOOP ? "it is a symbolic link" : systemError()
            throw SystemError(refusal, "cannot read \(what) '\(DisplayText.clean(path, limit: 60))': \(reason)")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw SystemError(refusal, "\(what) '\(DisplayText.clean(path, limit: 60))' is not a regular file")
        }
        return (descriptor, info)
    }

    /// Reads `descriptor` to end of file into wiped memory.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` past `limit` bytes.
    package static func readAll(descriptor: Int32, limit: Int, what: String) throws(SystemError) -> SecureBytes {
        try read(descriptor: descriptor, limit: limit, what: what, untilNewline: false)
    }

    /// Reads up to and including a newline (a terminal line), into wiped memory.
    package static func readLine(descriptor: Int32, limit: Int) throws(SystemError) -> SecureBytes {
        try read(descriptor: descriptor, limit: limit, what: "the input line", untilNewline: true)
    }

    /// The read loop behind both: retries EINTR, stops at end of file (or after a newline, read
    /// one byte at a time so nothing past it is consumed), and reads one byte past `limit` to
    /// tell "exactly the limit" from "too long".
    private static func read(descriptor: Int32, limit: Int, what: String, untilNewline: Bool) throws(SystemError) -> SecureBytes {
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
    package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
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
    package static func removeVaultFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    /// Removes the WAL and shared-memory files beside a database no connection has open (a
    /// backup just checked, its WAL folded into it).
    package static func removeWriteAheadFiles(of path: String) {
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
    }

    package static func systemError() -> String { SystemError.errnoMessage }
}
