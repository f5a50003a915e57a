internal import Glibc
internal import TokenVaultCrypto

struct ScanIndex: Sendable {
    let known: [[UInt8]: (String, Int, ScanFinding.Kind)]
    let lengths: Set<Int>
}

/// The file walk and the line matcher.
struct Scanner {
    let index: ScanIndex
    let keys: Keyring
    let progress: ((Int, Int64) -> Void)?
    var findings: [ScanFinding] = []
    var files = 0
    var bytes: Int64 = 0
    var skipped = 0
    private var lastProgress = 0

    static let maximumFileSize = 64 << 20
    static let tokenLength = IssuedTokenFormat.length

    init(index: ScanIndex, keys: Keyring, progress: ((Int, Int64) -> Void)?) {
        self.index = index
        self.keys = keys
        self.progress = progress
    }

    /// Walks `path`. A path given on the command line is followed if it is a symbolic link
    /// (as `grep -r` does); links met inside folders are skipped.
    mutating func visit(_ path: String, top: Bool) throws(VaultError) {
        switch Files.kind(at: path, followingLinks: top) {
        case .missing where top:
            throw VaultError(.notFound, "no such file or folder '\(printable(path))'")
        case .directory:
            guard let directory = opendir(path) else {
                skipped += 1
                return
            }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." && name != ".git" { names.append(name) }
            }
            closedir(directory)
            for name in names.sorted() { try visit(path == "/" ? "/" + name : path + "/" + name, top: false) }
        case .regular:
            scanFile(path, followingLink: top)
        default:
            if !top { skipped += 1 }
        }
    }

    /// Scans one regular file. Inside folders the file is opened without following a link
    /// (`O_NOFOLLOW`) and without blocking (`O_NONBLOCK`), and must still be a regular file once
    /// open, so a file swapped for a link or a FIFO after the walk looked at it is skipped.
    private mutating func scanFile(_ path: String, followingLink: Bool) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followingLink ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else {
            skipped += 1
            return
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= Self.maximumFileSize else {
            skipped += 1
            return
        }
        var content = [UInt8](repeating: 0, count: Int(info.st_size))
        var used = 0
        while used < content.count {
            let n = content.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + used, $0.count - used) }
            if n <= 0 { break }
            used += n
        }
        // The file may hold secrets: wipe this copy once scanned or skipped.
        defer { Wipe.array(&content) }
        content.removeLast(content.count - used)
        // A NUL byte in the first 8 KiB: binary, as git decides.
        guard !content.prefix(8_192).contains(0) else {
            skipped += 1
            return
        }
        files += 1
        bytes += Int64(used)
        var lineNumber = 1
        var start = 0
        for position in 0...content.count {
            guard position == content.count || content[position] == UInt8(ascii: "\n") else { continue }
            if position > start { scanLine(content[start..<position], path: path, line: lineNumber) }
            lineNumber += 1
            start = position + 1
        }
        if let progress, files - lastProgress >= 200 {
            lastProgress = files
            progress(files, bytes)
        }
    }

    /// Checks every candidate of one line. Candidates are slices of the (wiped) file copy or of
    /// the (wiped) decoded line, never copied; a token that appears twice on a line, or both
    /// raw and URL-encoded, is reported once.
    private mutating func scanLine(_ line: ArraySlice<UInt8>, path: String, line number: Int) {
        let firstFinding = findings.endIndex
        var candidates: [ArraySlice<UInt8>] = []
        collectCandidates(line, into: &candidates)
        // URL-encoded copies of a token (%2B for +, %3D for =, …).
        var decoded: [UInt8] = []
        if line.contains(UInt8(ascii: "%")) {
            decoded = percentDecoded(line)
            collectCandidates(decoded[...], into: &candidates)
        }
        for candidate in candidates {
            let isMinted = candidate.count == Self.tokenLength && candidate.starts(with: IssuedTokenFormat.prefix.utf8)
                && candidate.withUnsafeBytes(IssuedTokenFormat.isWellFormed)
            guard isMinted || index.lengths.contains(candidate.count) else { continue }
            let fingerprint = candidate.withUnsafeBytes { keys.lookupMAC.authenticate($0) }
            let finding: ScanFinding
            if let (name, version, kind) = index.known[fingerprint] {
                finding = ScanFinding(path: path, line: number, kind: kind, credentialName: name, version: version)
            } else if isMinted {
                finding = ScanFinding(path: path, line: number, kind: .unknownIssued, credentialName: nil, version: nil)
            } else {
                continue
            }
            if !findings[firstFinding...].contains(finding) { findings.append(finding) }
        }
        // A decoded copy of the line may hold a secret: wipe it, once no slice shares its storage
        // (a shared buffer would be copied, not wiped).
        candidates.removeAll()
        Wipe.array(&decoded)
    }

    /// Candidate tokens of a line: each run between loose separators (whitespace, quotes,
    /// brackets), and each part of such a run that starts at its beginning or after a strict
    /// separator (`=`, `:`, `&`, `,`, `;`) and ends at its end or before one. So `KEY=value`,
    /// `"key": "value"` and `?token=value&x=1` yield `value`, even when the value itself holds
    /// `=` or `:` (base64 padding). Only parts whose length is a stored secret's are kept.
    private func collectCandidates(_ line: ArraySlice<UInt8>, into candidates: inout [ArraySlice<UInt8>]) {
        var start = line.startIndex
        for position in line.startIndex...line.endIndex {
            guard position == line.endIndex || Self.looseSeparators.contains(line[position]) else { continue }
            if position > start { addParts(of: line[start..<position], into: &candidates) }
            start = position + 1
        }
    }

    private func addParts(of run: ArraySlice<UInt8>, into candidates: inout [ArraySlice<UInt8>]) {
        var starts = [run.startIndex]
        var ends: [Int] = []
        for position in run.indices where Self.strictSeparators.contains(run[position]) {
            ends.append(position)
            starts.append(position + 1)
        }
        ends.append(run.endIndex)
        for begin in starts {
            for end in ends where end > begin {
                let length = end - begin
                if length == Self.tokenLength || index.lengths.contains(length) { candidates.append(run[begin..<end]) }
            }
        }
    }

    static let looseSeparators = Set(" \t\r\"'`<>()[]{}|\\".utf8)
    static let strictSeparators = Set("=:&,;".utf8)

    private func percentDecoded(_ line: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var position = line.startIndex
        while position < line.endIndex {
            if line[position] == UInt8(ascii: "%"), position + 2 < line.endIndex,
                let high = Hex.value(of: line[position + 1]), let low = Hex.value(of: line[position + 2])
            {
                out.append(high << 4 | low)
                position += 3
            } else {
                out.append(line[position] == UInt8(ascii: "+") ? UInt8(ascii: " ") : line[position])
                position += 1
            }
        }
        return out
    }
}
