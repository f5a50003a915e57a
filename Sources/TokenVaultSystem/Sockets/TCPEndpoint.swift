internal import CPosix
internal import Glibc

/// A TCP host and port, parsed from `HOST:PORT` (`127.0.0.1:8443`, `[::1]:8443`,
/// `vault.example.com:8443`), and the socket addresses it resolves to.
///
/// ```swift
/// let endpoint = try TCPEndpoint(parsing: "127.0.0.1:8443")
/// endpoint.host  // "127.0.0.1"
/// ```
package struct TCPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A name or a numeric address, without brackets.
    package let host: String
    /// 0 asks the system for a free port (listeners only).
    package let port: UInt16

    /// - Throws: ``SystemError/Kind/invalidInput`` for another shape or a port over 65535.
    package init(parsing text: String) throws(SystemError) {
        let shown = DisplayText.clean(text, limit: 80)
        let invalid = SystemError.invalid("invalid address '\(shown)': use HOST:PORT, as in 127.0.0.1:8443 or [::1]:8443")
        guard let colon = text.lastIndex(of: ":") else { throw invalid }
        let digits = text[text.index(after: colon)...]
        guard (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let port = UInt16(digits)
        else { throw invalid }
        var host = String(text[..<colon])
        // An IPv6 address goes in brackets: `fe80::1:443` is ambiguous.
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]")
        if bracketed { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, bracketed || !host.contains(":"),
            host.utf8.allSatisfy({
                $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]")
            })
        else { throw invalid }
        self.host = host
        self.port = port
    }

    package init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `HOST:PORT`, with an IPv6 address in brackets.
    package var description: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// Calls `body` with each address `host` resolves to, in the resolver's order, until it
    /// returns a value.
    ///
    /// - Throws: ``SystemError/Kind/invalidInput`` when the host does not resolve.
    func withEachAddress<T>(passive: Bool, _ body: (UnsafePointer<sockaddr>, socklen_t, Int32) -> T?) throws(SystemError) -> T? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let list else {
            throw .invalid("cannot resolve '\(DisplayText.clean(host, limit: 60))': \(String(cString: gai_strerror(code)))")
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let address = current.pointee.ai_addr, let value = body(address, current.pointee.ai_addrlen, current.pointee.ai_family) {
                return value
            }
            entry = current.pointee.ai_next
        }
        return nil
    }

    /// The endpoint of an IPv4 or IPv6 socket address (a peer's, or a listener's own), or nil
    /// for another family.
    init?(_ storage: UnsafePointer<sockaddr>) {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.pointee.sa_family) {
        case AF_INET:
            self = storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                var ip = address.pointee.sin_addr
                inet_ntop(AF_INET, &ip, &buffer, socklen_t(buffer.count))
                return TCPEndpoint(host: Self.string(buffer), port: UInt16(bigEndian: address.pointee.sin_port))
            }
        case AF_INET6:
            self = storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                var ip = address.pointee.sin6_addr
                inet_ntop(AF_INET6, &ip, &buffer, socklen_t(buffer.count))
                return TCPEndpoint(host: Self.string(buffer), port: UInt16(bigEndian: address.pointee.sin6_port))
            }
        default:
            return nil
        }
    }

    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
