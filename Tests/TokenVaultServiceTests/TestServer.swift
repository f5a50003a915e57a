import Foundation
import Testing
import TokenVaultHTTP
import TokenVaultService
import TokenVaultSystem

/// A handler with a few routes for the tests:
/// - `/echo`: the request's body;
/// - `/peer`: `uid gid pid` of the connecting process (`ADDRESS FINGERPRINT` of a TLS client);
/// - `/big?size=N`: N bytes of `x`;
/// - `/slow?ms=N`: waits N ms (and signals `entered` first), then answers `slow`;
/// - `/close`: a response that closes the connection;
/// - anything else: `METHOD TARGET`.
struct EchoHandler: RequestHandler {
    /// Signalled when a `/slow` request reaches the handler.
    let entered = DispatchSemaphore(value: 0)

    func respond(to request: HTTPRequest, from peer: ConnectionPeer) -> HTTPResponse {
        switch request.pathSegments.first {
        case "echo":
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        case "peer":
            switch peer {
            case .local(let credentials): return text("\(credentials.uid) \(credentials.gid) \(credentials.pid)")
            case .remote(let address, let fingerprint): return text("\(address) \(fingerprint ?? "-")")
            }
        case "big":
            return HTTPResponse(status: .ok, body: [UInt8](repeating: UInt8(ascii: "x"), count: Int(request.queryValue("size") ?? "") ?? 0))
        case "slow":
            entered.signal()
            Thread.sleep(forTimeInterval: Double(Int(request.queryValue("ms") ?? "") ?? 0) / 1_000)
            return text("slow")
        case "close":
            var response = text("closing")
            response.keepAlive = false
            return response
        default:
            return text("\(request.method) \(request.target)")
        }
    }

    private func text(_ body: String) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array(body.utf8))
    }
}

/// A temporary directory with a short path (a socket path has at most 107 bytes), removed on
/// release.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = "/tmp/tvs-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A server with the echo handler on a socket in a temporary directory, running on a thread
/// of its own, with time limits short enough for tests.
final class TestServer: Sendable {
    let directory: TemporaryDirectory
    let socketPath: String
    let server: Server
    let handler: EchoHandler
    var statistics: ServerStatistics { server.statistics }
    private let finished = DispatchSemaphore(value: 0)

    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.path + "/api.sock"
        var configuration = ServerConfiguration(listener: try UnixListener.bind(path: socketPath))
        configuration.workerCount = 4
        configuration.requestReadTimeout = .milliseconds(400)
        configuration.idleTimeout = .seconds(3)
        configuration.writeTimeout = .milliseconds(400)
        configuration.shutdownGracePeriod = .seconds(3)
        configuration.handlesTerminationSignals = false
        configuration.notifySocket = nil
        configure(&configuration)
        handler = EchoHandler()
        server = try Server(configuration: configuration, handler: handler)
        let server = server
        let finished = finished
        Thread {
            do {
                try server.run()
            } catch {
                print("server.run() failed: \(error)")
            }
            finished.signal()
        }.start()
    }

    /// Stops the server and waits (at most 10 s) for `run()` to return; true when it did.
    @discardableResult
    func stop() -> Bool {
        server.stop()
        return waitUntilStopped()
    }

    /// Waits (at most `seconds`) for `run()` to return.
    func waitUntilStopped(seconds: Double = 10) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }

    /// Waits (at most 5 s) until `condition` holds; returns whether it did.
    func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }
}

/// Runs `body` with a running server (the echo handler, the test limits), and stops it
/// afterwards whatever happens.
func withServer<T>(_ body: (TestServer) throws -> T) throws -> T {
    try withServer(try TestServer(), body)
}

/// Runs `body` with `server`, and stops it afterwards whatever happens.
func withServer<T>(_ server: TestServer, _ body: (TestServer) throws -> T) throws -> T {
    defer { #expect(server.stop(), "the server stops within 10 s") }
    return try body(server)
}
