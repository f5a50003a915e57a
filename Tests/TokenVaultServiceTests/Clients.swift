import Foundation

/// What a client process printed, and how it ended.
struct ClientRun {
    let status: Int32
    let output: String
    let errors: String
    /// The output's lines, without the final newline.
    var lines: [String] { output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// A client process started without waiting: `finish()` collects what it printed.
final class ClientProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is started in init and only waited on afterwards; the
    // collected output is written once by the reader thread before `group` is left.
    private let process = Process()
    private let outputPipe = Pipe()
    private let errorPipe = Pipe()
    private let group = DispatchGroup()
    private var output = Data()
    private var errors = Data()

    /// Starts `arguments` (the first is looked up in `PATH`), killed after `timeout` seconds.
    init(_ arguments: [String], timeout: Double = 15) {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        try! process.run()
        group.enter()
        DispatchQueue.global().async { [self] in
            output = outputPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async { [self] in
            errors = errorPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let process = process
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
    }

    /// Waits for the process to end and returns what it printed.
    func finish() -> ClientRun {
        process.waitUntilExit()
        group.wait()
        return ClientRun(
            status: process.terminationStatus,
            output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self)
        )
    }
}

/// Runs `arguments` to the end.
func run(_ arguments: [String], timeout: Double = 15) -> ClientRun {
    ClientProcess(arguments, timeout: timeout).finish()
}

/// Starts a Python script with ``pythonPrelude`` before it; `sys.argv[1]` is `socketPath`.
func startPython(_ script: String, socketPath: String) -> ClientProcess {
    ClientProcess(["python3", "-c", pythonPrelude + script, socketPath])
}

/// Runs a Python script with ``pythonPrelude`` before it to the end.
func python(_ script: String, socketPath: String) -> ClientRun {
    startPython(script, socketPath: socketPath).finish()
}

/// Raw-socket helpers for the Python clients: `connect()`, `request(...)` to build a request's
/// bytes, and `Reader`, which reads responses by `Content-Length` and tells a clean end of
/// stream (`True`) from a reset (`"reset"`).
let pythonPrelude = #"""
    import http.client, os, select, socket, sys, time
    PATH = sys.argv[1]

    def connect(timeout=5):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(PATH)  # blocking: waits for room in a full listen queue (a timeout would make it EAGAIN)
        s.settimeout(timeout)
        return s

    def request(method, target, body=b"", headers=()):
        head = f"{method} {target} HTTP/1.1\r\nHost: vault\r\n"
        if body or method in ("POST", "PUT"):
            head += f"Content-Length: {len(body)}\r\n"
        for header in headers:
            head += header + "\r\n"
        return head.encode() + b"\r\n" + body

    class Reader:
        def __init__(self, s):
            self.s, self.buf = s, b""

        def fill(self):
            try:
                chunk = self.s.recv(1 << 16)
            except ConnectionResetError:
                chunk = b""
            self.buf += chunk
            return bool(chunk)

        def response(self):
            while b"\r\n\r\n" not in self.buf:
                if not self.fill():
                    return None
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < length:
                if not self.fill():
                    return None
            body, self.buf = self.buf[:length], self.buf[length:]
            return {"status": int(lines[0].split(" ")[1]), "headers": headers, "body": body.decode("latin-1")}

        def summary(self):
            r = self.response()
            return "none" if r is None else f'{r["status"]} {r["headers"].get("connection")} {r["body"]}'

        def at_eof(self):
            if self.buf:
                return False
            try:
                return self.s.recv(1) == b""
            except ConnectionResetError:
                return "reset"
            except socket.timeout:
                return "timeout"


    """#
