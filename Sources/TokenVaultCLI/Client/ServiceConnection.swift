import TokenVault
import TokenVaultHTTP
import TokenVaultJSON
import TokenVaultService
internal import TokenVaultSystem
internal import TokenVaultTLS

/// One request to `tokenvault serve` and its answer, on a connection of its own: HTTP/1.1
/// over the Unix socket or TLS, `Connection: close`, the answer read to the end and parsed by
/// ``HTTPResponseParser``.
///
/// ```swift
/// let connection = ServiceConnection(address: .unix(path: path), token: token, onBehalfOf: "alice")
/// let answer = try connection.send("GET", ["v1", "credentials", "erp-prod"])
/// let details = try WireDecoding.details(answer.json())
/// ```
///
/// Secrets: the bytes of a request (which may hold a secret, and the access token) and of an
/// answer (a fetched secret) are zeroed once used, in every buffer they went through: the
/// request, the read buffer, the parser's buffer, and the answer's body when the answer goes.
///
/// - Throws: from ``send(_:_:query:body:bodyLimit:)``: ``VaultError/Kind/locked`` when nothing
///   answers at the address (no socket, no server listening, no permission, a TLS handshake
///   that fails), with a hint; ``VaultError/Kind/invalidInput`` for TLS files that cannot be
///   used; ``VaultError/Kind/failed`` when the exchange breaks off or times out, or the answer
///   is malformed; and the service's own errors with their kinds.
struct ServiceConnection {
    /// Where the service answers.
    let address: ServiceAddress
    /// The principal's access token (`Authorization: Bearer`), or nil to be recognised by the
    /// process's user or group id.
    let token: Secret?
    /// The name the caller acts for (`TokenVault-On-Behalf-Of`).
    let onBehalfOf: String?
    /// How long connecting, sending and each read may wait. A fetch waits for its commit (and
    /// the server for its busy timeout), so it is generous.
    var timeoutSeconds = 30

    /// The answer's largest body: a whole audit trail comes in one body.
    static let defaultBodyLimit = HTTPResponseParser.defaultMaximumBodyLength

    /// Sends one request and returns the answer when its status is 2xx.
    ///
    /// - Parameters:
    ///   - path: the path's segments, percent-encoded here (a name may hold any character).
    ///   - query: query items; those with a nil value are left out.
    ///   - body: a JSON body, zeroed once sent.
    /// - Throws: for another status, the error the service's body describes
    ///   (`{"error", "message", "hint"}`, its kind through ``APIError/kind(named:)``), or a
    ///   ``VaultError/Kind/failed`` error naming the status when the body is not such an object.
    func send(
        _ method: String, _ path: [String], query: [(String, String?)] = [], body: [UInt8]? = nil, bodyLimit: Int = defaultBodyLimit
    ) throws(VaultError) -> ServiceAnswer {
        var request = try requestBytes(method, path, query: query, body: body)
        defer { SecureMemory.wipe(&request) }
        let socket = try connect()
        defer { socket.close() }
        do {
            try socket.writeAll(request)
        } catch {
            throw VaultError(.failed, error.message)
        }
        let answer = try receive(from: socket, bodyLimit: bodyLimit)
        guard (200..<300).contains(answer.status.code) else { throw Self.error(from: answer) }
        return answer
    }

    /// A connection to the service: the Unix socket, or TLS with the handshake done (the
    /// server's certificate checked before a byte of the request goes out).
    private func connect() throws(VaultError) -> any ServiceStream {
        switch address {
        case .unix(let path):
            do {
                return try UnixClientSocket(connectingTo: path, timeoutSeconds: timeoutSeconds)
            } catch {
                throw VaultError(
                    .locked, "cannot reach the service: \(error.message)",
                    hint: "is `tokenvault serve` running? (--server or TOKENVAULT_ADDR names its socket)"
                )
            }
        case .tls(let endpoint, let settings):
            let context = try settings.context()
            do {
                return try TLSClientStream(connectingTo: endpoint, context: context, timeoutSeconds: timeoutSeconds)
            } catch {
                let hint =
                    error.message.contains("certificate")
                    ? "TOKENVAULT_CA_FILE (--ca-file) names the CA of the service's certificate; a client certificate goes in --client-cert and --client-key"
                    : "is `tokenvault serve --listen` running there?"
                throw VaultError(.locked, "cannot reach the service: \(error.message)", hint: hint)
            }
        }
    }

    /// The request's bytes: request line, header fields, body.
    private func requestBytes(_ method: String, _ path: [String], query: [(String, String?)], body: [UInt8]?) throws(VaultError) -> [UInt8] {
        var target = "/" + path.map(Self.percentEncoded).joined(separator: "/")
        let items = query.compactMap { name, value in value.map { Self.percentEncoded(name) + "=" + Self.percentEncoded($0) } }
        if !items.isEmpty { target += "?" + items.joined(separator: "&") }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: tokenvault\r\nConnection: close\r\n"
        if let onBehalfOf { head += "TokenVault-On-Behalf-Of: \(onBehalfOf)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        // Reserved at once, so that the bytes (the token, a secret in the body) are never left
        // behind in a buffer outgrown on the way.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(head.utf8.count + 32 + (token?.count ?? 0) + (body?.count ?? 0))
        bytes += head.utf8
        if let token {
            bytes += "Authorization: Bearer ".utf8
            token.withUnsafeBytes { bytes += $0 }
            bytes += "\r\n".utf8
        }
        bytes += "\r\n".utf8
        if let body { bytes += body }
        return bytes
    }

    /// Reads the answer to the end of the connection and parses it.
    private func receive(from socket: any ServiceStream, bodyLimit: Int) throws(VaultError) -> ServiceAnswer {
        let buffer = WipedBuffer(capacity: 16_384)
        let limit = bodyLimit + HTTPResponseParser.maximumHeadLength
        while true {
            let count: Int
            do {
                count = try buffer.appending(upTo: 16_384) { free throws(SystemError) in try socket.read(into: free) }
            } catch {
                throw VaultError(.failed, error.message)
            }
            if count == 0 { break }
            guard buffer.count <= limit else { throw VaultError(.failed, "the service's answer is larger than \(limit) bytes") }
        }
        var parser = HTTPResponseParser(maximumBodyLength: bodyLimit)
        buffer.withUnsafeBytes { parser.append($0) }
        parser.finish()
        var response: HTTPClientResponse?
        do {
            response = try parser.next()
        } catch {
            throw VaultError(.failed, "the service's answer is malformed: \(error)")
        }
        guard let status = response?.status, let body = response?.body else {
            throw VaultError(.failed, "the service closed the connection without an answer")
        }
        // The answer holds the body's only reference from here: it is zeroed when the answer goes.
        response = nil
        return ServiceAnswer(status: status, body: body)
    }

    /// The error an answer that is not 2xx stands for.
    private static func error(from answer: ServiceAnswer) -> VaultError {
        if let json = try? answer.json(), let name = json["error"]?.stringValue, let message = json["message"]?.stringValue {
            let hint = json["hint"]?.stringValue
            guard let kind = APIError.kind(named: name) else { return VaultError(.failed, message, hint: hint) }
            return VaultError(kind, message, hint: hint)
        }
        let status = "\(answer.status.code) \(answer.status.reasonPhrase)"
        return VaultError((400..<500).contains(answer.status.code) ? .invalidInput : .failed, "the service answered \(status)")
    }

    /// `text` with every byte but RFC 3986's unreserved ones as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// An answer of the service: its status and body. The body is zeroed when the answer goes
/// (it may hold a fetched secret); take nothing from it that outlives the answer but what
/// ``json()`` or ``SecretField`` return.
final class ServiceAnswer {
    let status: HTTPStatus
    private(set) var body: [UInt8]

    /// Takes `body`, which should have no other reference, so that zeroing it reaches the bytes.
    init(status: HTTPStatus, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    deinit { SecureMemory.wipe(&body) }

    /// The body as JSON.
    ///
    /// - Throws: ``VaultError/Kind/failed`` when it is not JSON.
    func json() throws(VaultError) -> JSON {
        do { return try JSON.parse(body) } catch { throw VaultError(.failed, "the service's answer is malformed") }
    }
}

/// A growable byte buffer that zeroes what it outgrows and, at the end, what it holds: the
/// answer as it is read from the socket.
private final class WipedBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 1), alignment: 1)
    }

    deinit {
        SecureMemory.wipe(storage)
        storage.deallocate()
    }

    /// Lets `fill` write up to `maximum` bytes after the ones held (growing first when needed);
    /// `fill` returns how many it wrote.
    func appending<E: Error>(upTo maximum: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> Int {
        if storage.count - count < maximum {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storage.count * 2, count + maximum), alignment: 1)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<count]))
            SecureMemory.wipe(storage)
            storage.deallocate()
            storage = grown
        }
        let written = try fill(UnsafeMutableRawBufferPointer(rebasing: storage[count..<(count + maximum)]))
        count += written
        return written
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }
}

/// A connection to the service with blocking, time-limited calls: the Unix socket's or TLS's.
protocol ServiceStream: AnyObject {
    func writeAll(_ bytes: [UInt8]) throws(SystemError)
    /// Reads into `buffer`, waiting for at least one byte; 0 when the server closed.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int
    func close()
}

extension UnixClientSocket: ServiceStream {}
extension TLSClientStream: ServiceStream {}
