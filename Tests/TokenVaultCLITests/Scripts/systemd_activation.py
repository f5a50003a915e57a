"""Runs `tokenvault serve` as systemd would: socket activation and readiness notification.

    python3 systemd_activation.py BINARY DIRECTORY SECRET

Creates a listening socket (DIRECTORY/activated.sock) and a datagram socket for NOTIFY_SOCKET
(DIRECTORY/notify.sock), then forks and execs `BINARY serve` (no --socket, no XDG_RUNTIME_DIR)
with the listening socket on descriptor 3, LISTEN_PID, LISTEN_FDS=1 and NOTIFY_SOCKET, as
systemd does. When run as root the server runs as nobody (65534), as the shipped unit runs it as
an unprivileged user, and DIRECTORY (which holds the vault, TOKENVAULT_PATH and
TOKENVAULT_KEY_FILE) is lent to that user until the end.

Then: waits for READY=1; fetches through the socket; checks that another process of the
server's user can read neither /proc/PID/environ nor /proc/PID/mem, and reads the core limit;
sends half a fetch, SIGTERM, waits for STOPPING=1, sends the rest and reads the answer; waits for
the exit. Prints one JSON document with what it saw. The server's standard error is appended
to DIRECTORY/serve.log. Every wait is bounded; the server is killed if it is still running.
"""

import json
import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvclient import UnixHTTPConnection, bound_time, call  # noqa: E402

NOBODY = 65534
FETCH = json.dumps({"name": "erp-prod", "project": "shop", "resource": "orders", "permission": "r"}).encode()


def lend(paths, uid, gid):
    for top in paths:
        os.chown(top, uid, gid)
        if os.path.isdir(top):
            for root, directories, files in os.walk(top):
                for name in directories + files:
                    os.chown(os.path.join(root, name), uid, gid)


def notifications(notify, wanted, seconds, seen):
    """Reads datagrams until one holds `wanted` or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        notify.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            message = notify.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        seen.extend(message.split("\n"))
        if wanted in message.split("\n"):
            return True
    return False


def probe_proc(pid, uid):
    """In a child process of the server's user: whether /proc/PID/environ and mem can be read."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        result = {}
        try:
            if os.getuid() != uid:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            for name in ("environ", "mem"):
                try:
                    with open(f"/proc/{pid}/{name}", "rb") as f:
                        f.read(16) if name == "environ" else f.read(0)
                    result[name] = "readable"
                except PermissionError:
                    result[name] = "denied"
                except OSError as error:
                    result[name] = "error: " + error.strerror
            result["prober_uid"] = os.getuid()
        finally:
            os.write(write, json.dumps(result).encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = f.read()
    os.waitpid(child, 0)
    return json.loads(data)


def wait_exit(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    return None


def main():
    bound_time(60)
    binary, directory, secret = sys.argv[1], sys.argv[2], sys.argv[3]
    result = {"notifications": []}
    listen_path = os.path.join(directory, "activated.sock")
    notify_path = os.path.join(directory, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(listen_path)
    os.chmod(listen_path, 0o666)
    listener.listen(64)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.chmod(notify_path, 0o666)

    as_root = os.getuid() == 0
    server_uid = NOBODY if as_root else os.getuid()
    owner = os.stat(directory)
    if as_root:
        lend([directory], NOBODY, NOBODY)
    environment = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    log = os.open(os.path.join(directory, "serve.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    pid = os.fork()
    if pid == 0:
        try:
            if as_root:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            if listener.fileno() != 3:
                os.dup2(listener.fileno(), 3)
            else:
                os.set_inheritable(3, True)
            os.dup2(log, 2)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            environment.update({"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "1", "NOTIFY_SOCKET": notify_path})
            os.execve(binary, [binary, "serve"], environment)
        finally:
            os._exit(127)
    os.close(log)
    result["server_uid"] = server_uid
    exit_code = None
    try:
        result["ready"] = notifications(notify, "READY=1", 15, result["notifications"])
        if not result["ready"]:
            exit_code = wait_exit(pid, 0.1)
            return
        connection = UnixHTTPConnection(listen_path)
        status, _, body = call(connection, "GET", "/v1/health")
        result["health"] = status
        status, _, body = call(connection, "POST", "/v1/fetch", FETCH)
        result["fetch"] = status
        result["fetched_secret"] = json.loads(body).get("secret") == secret if status == 200 else False
        connection.close()

        result["proc"] = probe_proc(pid, server_uid)
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max core file size"):
                    result["core_limit"] = line.split()[4]
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    result["running_uid"] = int(line.split()[1])

        # SIGTERM while a request is half received: it is answered, then the server exits 0.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(listen_path)
        head = f"POST /v1/fetch HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\nContent-Length: {len(FETCH)}\r\n\r\n"
        s.sendall(head.encode() + FETCH[:10])
        time.sleep(0.2)
        os.kill(pid, signal.SIGTERM)
        result["stopping"] = notifications(notify, "STOPPING=1", 10, result["notifications"])
        s.sendall(FETCH[10:])
        received = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
        s.close()
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        result["in_flight_status"] = int(lines[0].split(" ")[1]) if lines[0].startswith("HTTP/1.1 ") else None
        result["in_flight_connection"] = next((l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("connection:")), None)
        result["in_flight_secret"] = secret.encode() in body
        exit_code = wait_exit(pid, 15)
    finally:
        if exit_code is None and wait_exit(pid, 0) is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            result["killed"] = True
        result["exit"] = exit_code
        result["socket_file_kept"] = os.path.exists(listen_path)
        if as_root:
            lend([directory], owner.st_uid, owner.st_gid)
        print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
