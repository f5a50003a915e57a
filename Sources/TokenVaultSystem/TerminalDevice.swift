internal import Glibc

/// The controlling terminal (`/dev/tty`): for prompts that must not echo and must not use
/// standard input (which may carry a token being added).
package struct TerminalDevice: ~Copyable {
    /// The open descriptor, for reading a line.
    package let descriptor: Int32

    /// Opens `/dev/tty`, or nil when the process has no terminal (cron, CI, pipes).
    package static func open() -> TerminalDevice? {
        let descriptor = Glibc.open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        return TerminalDevice(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Writes `text` to the terminal.
    package func write(_ text: String) {
        var text = text
        text.withUTF8 { _ = Files.writeAll(descriptor, UnsafeRawBufferPointer($0)) }
    }

    /// Runs `body` with echo turned off (a newline is still echoed), then restores the settings.
    package func withEchoOff<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        var saved = termios()
        let hasTermios = tcgetattr(descriptor, &saved) == 0
        if hasTermios {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(descriptor, TCSAFLUSH, &silent)
        }
        defer { if hasTermios { tcsetattr(descriptor, TCSAFLUSH, &saved) } }
        return try body()
    }
}
