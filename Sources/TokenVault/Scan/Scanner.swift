internal import TokenVaultCrypto
internal import TokenVaultSystem

struct ScanIndex: Sendable {
    let known: [[UInt8]: (String, Int, ScanFinding.Kind)]
    let lengths: Set<Int>
}

/// The line matcher of `scan`, over the files a ``FileWalk`` reads.
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

    /// Walks `path` (``FileWalk``) and scans every text file met.
    mutating func visit(_ path: String) throws(SystemError) {
        try FileWalk.visit(path, maximumSize: Self.maximumFileSize) { entry in
            switch entry {
            case .read(let path, let contents): scanFile(contents, path: path)
            case .skipped: skipped += 1
            }
        }
    }

    /// Scans one file's contents (a wiped copy, valid during the call), line by line.
    private mutating func scanFile(_ content: ArraySlice<UInt8>, path: String) {
        // A NUL byte in the first 8 KiB: binary, as git decides.
        guard !content.prefix(8_192).contains(0) else {
            skipped += 1
            return
        }
        files += 1
        bytes += Int64(content.count)
        var lineNumber = 1
        var start = content.startIndex
        for position in content.startIndex...content.endIndex {
            guard position == content.endIndex || content[position] == UInt8(ascii: "\n") else { continue }
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
            let mintedKind = Self.mintedKind(of: candidate)
            guard mintedKind != nil || index.lengths.contains(candidate.count) else { continue }
            let fingerprint = candidate.withUnsafeBytes { keys.lookupMAC.authenticate($0) }
            let finding: ScanFinding
            if let (name, version, kind) = index.known[fingerprint] {
                finding = ScanFinding(path: path, line: number, kind: kind, credentialName: name, version: kind == .accessToken ? nil : version)
            } else if let mintedKind {
                finding = ScanFinding(path: path, line: number, kind: mintedKind, credentialName: nil, version: nil)
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

    /// For a well-formed token minted by a vault (`tvk_`, or a service access token `tva_`), the
    /// kind of finding it is when this vault does not know it; nil for anything else.
    private static func mintedKind(of candidate: ArraySlice<UInt8>) -> ScanFinding.Kind? {
        guard candidate.count == tokenLength else { return nil }
        if candidate.starts(with: IssuedTokenFormat.prefix.utf8), candidate.withUnsafeBytes(IssuedTokenFormat.isWellFormed) {
            return .unknownIssued
        }
        if candidate.starts(with: IssuedTokenFormat.accessPrefix.utf8),
            candidate.withUnsafeBytes({ IssuedTokenFormat.isWellFormed($0, prefix: IssuedTokenFormat.accessPrefix) })
        {
            return .unknownAccessToken
        }
        return nil
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
