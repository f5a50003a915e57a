internal import Glibc

/// This process's environment, standard streams and image: what `exec` and the CLI's output need.
package enum ProcessImage {
    /// The environment, as text (a variable whose name or value is not UTF-8 is read with
    /// replacement characters: TokenVault reads no secret from the environment).
    package static var environment: [String: String] {
        var variables: [String: String] = [:]
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            index += 1
        }
        return variables
    }

    /// Sets `variable` to exactly `value`'s bytes (an environment value is a byte string, not
    /// UTF-8 text), through a NUL-terminated copy that is wiped afterwards; `setenv` copies it
    /// into libc's environment. `value` must hold no NUL byte.
    package static func setEnvironment(_ variable: String, to value: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: value.count + 1, alignment: 1)
        defer {
            explicit_bzero(copy.baseAddress!, copy.count)
            copy.deallocate()
        }
        copy.copyMemory(from: value)
        copy[value.count] = 0
        setenv(variable, copy.baseAddress!.assumingMemoryBound(to: CChar.self), 1)
    }

    /// Removes `variable` from the environment.
    package static func unsetEnvironment(_ variable: String) {
        unsetenv(variable)
    }

    /// Replaces this process with `command` (its first word searched in `PATH`), with the
    /// environment as it is now. Returns only when that fails, with the reason.
    package static func replace(with command: [String]) -> String {
        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        execvp(command[0], argv)
        return SystemError.errnoMessage
    }

    /// Ends the process with `status`.
    package static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }

    /// Whether `descriptor` is a terminal.
    package static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }
}
