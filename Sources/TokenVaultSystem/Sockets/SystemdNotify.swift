internal import CPosix
internal import Glibc

/// Tells the service manager about the service's state, as `sd_notify(3)` does, without
/// libsystemd: one datagram to the Unix socket named by `$NOTIFY_SOCKET`.
///
/// With `Type=notify` systemd waits for `READY=1` before it considers the service started,
/// and shows `STATUS=` lines in `systemctl status`.
///
/// ```swift
/// SystemdNotify.send("READY=1")
/// SystemdNotify.send("STOPPING=1")
/// ```
package enum SystemdNotify {
    /// The notification socket from `$NOTIFY_SOCKET`: a path, or an abstract name written
    /// with a leading `@`. Nil when the service manager did not ask for notifications.
    package static var socketFromEnvironment: String? {
        guard let value = getenv("NOTIFY_SOCKET") else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// Sends `state` (newline-separated `NAME=value` assignments) to `socket`.
    ///
    /// Does nothing and returns false when `socket` is nil: outside systemd, notifying is a
    /// no-op. Never blocks (a full socket drops the message, as `sd_notify` would fail).
    ///
    /// - Parameter socket: a path (`/run/systemd/notify`) or `@` and an abstract name;
    ///   ``socketFromEnvironment`` by default. Other forms (such as `vsock:`) are not supported.
    /// - Returns: whether the datagram was sent.
    @discardableResult
    package static func send(_ state: String, to socket: String? = socketFromEnvironment) -> Bool {
        guard let socket, let first = socket.first, first == "/" || first == "@" else { return false }
        let address: UnixSocketAddress
        do {
            address = try first == "@" ? UnixSocketAddress(abstractName: String(socket.dropFirst())) : UnixSocketAddress(path: socket)
        } catch {
            return false
        }
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let message = Array(state.utf8)
        let sent = address.withSocketAddress { target, length in
            message.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length) }
        }
        return sent == message.count
    }
}
