internal import Glibc
import TokenVault

/// The controlling terminal (`/dev/tty`), for prompts that must not echo and must not use
/// standard input (which may carry a token being added).
struct Terminal: ~Copyable {
    private let descriptor: Int32

    /// Opens `/dev/tty`, or nil when the process has no terminal (cron, CI, pipes).
    static func open() -> Terminal? {
        let descriptor = Glibc.open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        return Terminal(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Prints `prompt` and reads one line with echo turned off.
    func prompt(_ prompt: String) throws(VaultError) -> Secret {
        var text = prompt
        text.withUTF8 { StandardIO.writeAll(descriptor, UnsafeRawBufferPointer($0)) }
        var saved = termios()
        let hasTermios = tcgetattr(descriptor, &saved) == 0
        if hasTermios {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(descriptor, TCSAFLUSH, &silent)
        }
        defer { if hasTermios { tcsetattr(descriptor, TCSAFLUSH, &saved) } }
        return try Secret.readLine(fromFileDescriptor: descriptor)
    }
}
