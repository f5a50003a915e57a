import Foundation
import Testing
import TokenVaultService
import TokenVaultSystem

/// `Server.stop()`: the same graceful path as SIGTERM.
@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("stop() lets a request in progress finish with Connection: close, closes idle connections, removes the socket")
    func stopFinishesRequestsInProgress() throws {
        let server = try TestServer()
        let client = startPython(
            #"""
            idle = connect()
            idle_reader = Reader(idle)
            idle.sendall(request("GET", "/first"))
            idle_reader.response()
            busy = connect()
            r = Reader(busy)
            busy.sendall(request("GET", "/slow?ms=300"))
            print(r.summary())
            print(r.at_eof())
            print(idle_reader.at_eof())
            """#,
            socketPath: server.socketPath
        )
        #expect(server.handler.entered.wait(timeout: .now() + 5) == .success)
        server.server.stop()
        #expect(server.waitUntilStopped())
        let result = client.finish()
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.lines == ["200 close slow", "True", "True"])
        #expect(Files.kind(at: server.socketPath) == .missing)
        #expect(server.statistics.openConnections == 0)
    }

    @Test("stop() before run() makes run() return at once")
    func stopBeforeRun() throws {
        let directory = try TemporaryDirectory()
        var configuration = ServerConfiguration(listener: try UnixListener.bind(path: directory.path + "/api.sock"))
        configuration.handlesTerminationSignals = false
        configuration.notifySocket = nil
        configuration.workerCount = 2
        let server = try Server(configuration: configuration, handler: EchoHandler())
        server.stop()
        let start = ContinuousClock.now
        try server.run()
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(Files.kind(at: directory.path + "/api.sock") == .missing)
    }

    @Test("READY=1 and STOPPING=1 reach the notify socket, by path and in the abstract namespace", arguments: [false, true])
    func systemdNotifications(abstract: Bool) throws {
        let directory = try TemporaryDirectory()
        let name = abstract ? "@tvs-notify-\(UUID().uuidString.prefix(8))" : directory.path + "/notify.sock"
        let receiver = ClientProcess([
            "python3", "-c",
            #"""
            import socket, sys
            name = sys.argv[1]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind("\0" + name[1:] if name.startswith("@") else name)
            s.settimeout(10)
            print("bound", flush=True)
            while True:
                message = s.recv(100).decode()
                print(message, flush=True)
                if message == "STOPPING=1":
                    break
            """#,
            name,
        ])
        // The receiver binds before anything is sent: wait until a datagram gets through.
        let bound = ContinuousClock.now + .seconds(10)
        while !SystemdNotify.send("STATUS=probe", to: name) && ContinuousClock.now < bound { Thread.sleep(forTimeInterval: 0.02) }
        let server = try TestServer { $0.notifySocket = name }
        #expect(server.stop())
        let result = receiver.finish()
        #expect(result.lines.filter { $0 != "bound" && $0 != "STATUS=probe" } == ["READY=1", "STOPPING=1"], "\(result.lines) \(result.errors)")
    }
}
