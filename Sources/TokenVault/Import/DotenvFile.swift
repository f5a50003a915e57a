internal import TokenVaultCrypto
internal import TokenVaultSystem

/// A `.env` file's assignments, read for `import --dotenv`: the secrets go into wiped memory,
/// never into a `String`.
///
/// The shape accepted is the common one: `KEY=value` lines, an optional `export ` before the
/// key, values bare or in single or double quotes (in double quotes, `\"`, `\\` and `\n` are
/// unescaped), `#` comments and blank lines. Keys are `[A-Za-z_][A-Za-z0-9_]*`. Anything else is
/// refused with its line number (never its content).
package struct DotenvFile {
    /// One assignment.
    package struct Entry {
        package let key: String
        package let value: Secret
        package let line: Int
    }

    package let entries: [Entry]

    /// Reads and parses the file at `path` (at most 1 MiB).
    ///
    /// - Throws: ``VaultError/Kind/notFound`` for a missing file; ``VaultError/Kind/invalidInput``
    ///   for a line that is not an assignment, a repeated key, or an empty value.
    package init(path: String) throws(VaultError) {
        guard Files.kind(at: path, followingLinks: true) == .regular else {
            throw VaultError(.notFound, "no file at '\(printable(path))'")
        }
        let (bytes, _, _) = try system { () throws(SystemError) in try Files.readSecretFile(path, limit: 1 << 20, what: "the .env file") }
        entries = try bytes.withUnsafeBytes { raw throws(VaultError) in try DotenvFile.parse(raw) }
    }

    /// The assignments in `text`, in order.
    package static func parse(_ text: UnsafeRawBufferPointer) throws(VaultError) -> [Entry] {
        var entries: [Entry] = []
        var start = 0
        var number = 0
        while start < text.count {
            number += 1
            let end = text[start...].firstIndex(of: 0x0A) ?? text.count
            var line = UnsafeRawBufferPointer(rebasing: text[start..<end])
            start = end + 1
            if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 }
            guard let first = trimmed.first, first != UInt8(ascii: "#") else { continue }
            var rest = UnsafeRawBufferPointer(rebasing: trimmed)
            if rest.starts(with: "export ".utf8) { rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(7).drop { $0 == 0x20 }) }
            guard let equals = rest.firstIndex(of: UInt8(ascii: "=")) else { throw bad(number, "is not KEY=value") }
            let keyBytes = rest[..<equals]
            guard let head = keyBytes.first, isKeyStart(head), keyBytes.allSatisfy(isKeyByte) else { throw bad(number, "has no valid key") }
            let key = String(decoding: keyBytes, as: UTF8.self)
            guard !entries.contains(where: { $0.key == key }) else { throw bad(number, "repeats the key \(key)") }
            let value = try DotenvFile.value(UnsafeRawBufferPointer(rebasing: rest[(equals + 1)...]), line: number)
            guard value.count > 0 else { throw bad(number, "has an empty value for \(key)") }
            entries.append(Entry(key: key, value: value, line: number))
        }
        return entries
    }

    /// A value: bare (up to a ` #` comment, trailing blanks dropped), or quoted.
    private static func value(_ raw: UnsafeRawBufferPointer, line: Int) throws(VaultError) -> Secret {
        guard let quote = raw.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            var end = raw.count
            for index in raw.indices where raw[index] == UInt8(ascii: "#") && index > 0 && raw[index - 1] == 0x20 {
                end = index
                break
            }
            while end > 0, raw[end - 1] == 0x20 || raw[end - 1] == 0x09 { end -= 1 }
            return Secret(copying: raw[..<end])
        }
        var problem: String? = "has no closing quote"
        let secret = Secret(capacity: raw.count) { out in
            var written = 0
            var index = 1
            while index < raw.count {
                var byte = raw[index]
                if byte == quote {
                    let after = raw[(index + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
                    problem = after.isEmpty || after.first == UInt8(ascii: "#") ? nil : "has text after its closing quote"
                    return written
                }
                if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\"), index + 1 < raw.count {
                    index += 1
                    byte = raw[index] == UInt8(ascii: "n") ? 0x0A : raw[index]
                }
                out[written] = byte
                written += 1
                index += 1
            }
            return written
        }
        if let problem { throw bad(line, problem) }
        return secret
    }

    private static func isKeyStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool { isKeyStart(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func bad(_ line: Int, _ problem: String) -> VaultError {
        .invalid("line \(line) of the .env file \(problem)")
    }
}
