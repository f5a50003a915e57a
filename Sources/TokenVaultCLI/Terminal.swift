import TokenVault
internal import TokenVaultSystem

/// The controlling terminal (`/dev/tty`), for prompts that must not echo and must not use
/// standard input (which may carry a token being added).
struct Terminal: ~Copyable {
    private let device: TerminalDevice

    /// Opens `/dev/tty`, or nil when the process has no terminal (cron, CI, pipes).
    static func open() -> Terminal? {
        guard let device = TerminalDevice.open() else { return nil }
        return Terminal(device: device)
    }

    private init(device: consuming TerminalDevice) { self.device = device }

    /// Prints `prompt` and reads one line with echo turned off.
    func prompt(_ prompt: String) throws(VaultError) -> Secret {
        device.write(prompt)
        return try device.withEchoOff { () throws(VaultError) in try Secret.readLine(fromFileDescriptor: device.descriptor) }
    }
}
