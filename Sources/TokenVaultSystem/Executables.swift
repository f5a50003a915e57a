internal import Glibc

/// Where the program a shell command starts with is found.
package enum Executables {
    /// Whether the program `command` runs first (`/bin/sh -c COMMAND`) resolves to an executable
    /// file: its first word after any `NAME=value` assignments, unquoted when the whole word is
    /// quoted, looked up in `PATH` when it holds no `/`.
    ///
    /// A check made before a command runs, so that a typo is refused at once rather than when
    /// something is due; the command may still fail when it runs.
    package static func commandResolves(_ command: String) -> Bool {
        guard let program = firstProgram(of: command) else { return false }
        if program.contains("/") { return isExecutableFile(program) }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":", omittingEmptySubsequences: false).contains { directory in
            isExecutableFile((directory.isEmpty ? "." : String(directory)) + "/" + program)
        }
    }

    /// The first word of `command` that is not a `NAME=value` assignment, or nil.
    static func firstProgram(of command: String) -> String? {
        for word in command.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            if let equals = word.firstIndex(of: "="), isName(word[..<equals]) { continue }
            for quote in ["'", "\""] where word.count >= 2 && word.hasPrefix(quote) && word.hasSuffix(quote) {
                return String(word.dropFirst().dropLast())
            }
            return String(word)
        }
        return nil
    }

    private static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
