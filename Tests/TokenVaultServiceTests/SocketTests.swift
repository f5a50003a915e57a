import Foundation
import Testing
import TokenVaultSystem

/// The listening socket's file: creation, mode, group, stale and foreign files; and the client
/// socket the CLI will use.
@Suite("Unix sockets")
struct SocketTests {
    private func attributes(_ path: String) throws -> (type: FileAttributeType?, mode: Int, group: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (
            attributes[.type] as? FileAttributeType, (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1,
            (attributes[.groupOwnerAccountID] as? NSNumber)?.intValue ?? -1
        )
    }

    @Test("bind creates a socket file with mode 0660 by default, in a parent directory it creates with mode 0700")
    func defaultMode() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/run/tokenvault/api.sock"
        let listener = try UnixListener.bind(path: path)
        let socket = try attributes(path)
        #expect(socket.type == .typeSocket)
        #expect(socket.mode == 0o660)
        #expect(try attributes(directory.path + "/run/tokenvault").mode == 0o700)
        listener.close()
        #expect(Files.kind(at: path) == .missing)
    }

    @Test("--socket-mode and --socket-group: the mode is exact whatever the umask; a group by number or name")
    func modeAndGroup() throws {
        let directory = try TemporaryDirectory()
        let ownerOnly = try UnixListener.bind(path: directory.path + "/a.sock", mode: 0o600, group: String(getgid()))
        #expect(try attributes(directory.path + "/a.sock").mode == 0o600)
        #expect(try attributes(directory.path + "/a.sock").group == Int(getgid()))
        ownerOnly.close()
        let groupName = String(cString: getgrgid(getgid())!.pointee.gr_name)
        let open = try UnixListener.bind(path: directory.path + "/b.sock", mode: 0o666, group: groupName)
        #expect(try attributes(directory.path + "/b.sock").mode == 0o666)
        open.close()
        #expect(throws: SystemError.self) { try UnixListener.bind(path: directory.path + "/c.sock", group: "no-such-group-tvs") }
        #expect(Files.kind(at: directory.path + "/c.sock") == .missing)
    }

    @Test("a stale socket file (nothing listening) is replaced")
    func staleSocket() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/api.sock"
        let made = run(["python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path])
        #expect(made.status == 0, "\(made.errors)")
        #expect(try attributes(path).type == .typeSocket)
        let listener = try UnixListener.bind(path: path)
        let client = try UnixClientSocket(connectingTo: path)
        client.close()
        listener.close()
    }

    @Test("a socket another server listens on is refused, and left working")
    func liveSocket() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/api.sock"
        let first = try UnixListener.bind(path: path)
        #expect {
            try UnixListener.bind(path: path)
        } throws: { error in
            (error as? SystemError)?.message.contains("in use") == true
        }
        let client = try UnixClientSocket(connectingTo: path)
        #expect(try first.accept() != nil)
        client.close()
        first.close()
    }

    @Test("a path that is a file, a directory or a symbolic link is refused and left as it was")
    func foreignPaths() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/file"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.createDirectory(atPath: directory.path + "/dir", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/link", withDestinationPath: directory.path + "/target.sock")
        for path in [file, directory.path + "/dir", directory.path + "/link"] {
            #expect(throws: SystemError.self) { try UnixListener.bind(path: path) }
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")
        #expect(Files.kind(at: directory.path + "/dir") == .directory)
        #expect(Files.kind(at: directory.path + "/link") == .symbolicLink)
        #expect(Files.kind(at: directory.path + "/target.sock") == .missing)
        #expect(throws: SystemError.self) { try UnixListener.bind(path: directory.path + "/" + String(repeating: "n", count: 120)) }
    }

    @Test("close removes the socket file only while it is the one this listener created")
    func closeRemovesOnlyItsOwnFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/api.sock"
        let old = try UnixListener.bind(path: path)
        try FileManager.default.removeItem(atPath: path)
        let new = try UnixListener.bind(path: path)
        old.close()
        #expect(try attributes(path).type == .typeSocket)
        new.close()
        #expect(Files.kind(at: path) == .missing)
    }

    @Test("without systemd's variables there is no socket to adopt")
    func noSystemdSocket() throws {
        #expect(try UnixListener.adoptSystemdSocket() == nil)
    }

    @Test("the client socket: a request and its response; a missing socket and one nobody listens on")
    func clientSocket() throws {
        try withServer { server in
            let client = try UnixClientSocket(connectingTo: server.socketPath, timeoutSeconds: 2)
            try client.writeAll(Array("GET /from-cli HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n".utf8))
            let reply = String(decoding: try client.readToEnd(limit: 1 << 16), as: UTF8.self)
            #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(reply.hasSuffix("\r\n\r\nGET /from-cli"))
        }
        let directory = try TemporaryDirectory()
        #expect {
            try UnixClientSocket(connectingTo: directory.path + "/missing.sock")
        } throws: { error in
            (error as? SystemError)?.kind == .notFound
        }
        let made = run(["python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", directory.path + "/stale.sock"])
        #expect(made.status == 0)
        #expect {
            try UnixClientSocket(connectingTo: directory.path + "/stale.sock")
        } throws: { error in
            (error as? SystemError)?.message.contains("no server is listening") == true
        }
    }

    @Test("a wake pipe never blocks its writers and drains to empty")
    func wakePipe() throws {
        let pipe = try WakePipe()
        for _ in 0..<100_000 { pipe.wake() }
        #expect(PollSet.wait(for: pipe.readDescriptor, .readable, timeoutMilliseconds: 0).contains(.readable))
        while !pipe.drain().isEmpty {}
        #expect(PollSet.wait(for: pipe.readDescriptor, .readable, timeoutMilliseconds: 0).isEmpty)
    }
}
