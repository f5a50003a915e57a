"""Hostile callers of `tokenvault serve`, over raw sockets. Prints one JSON document.

    python3 hostile.py SOCKET framing
        An oversized head (431), an oversized body (413), a chunked body (411), a complete
        request then a half close (answered, then the end of the stream), half a request then
        a half close (closed without an answer).
    python3 hostile.py SOCKET slowloris MARKER
        A client that sends its head one byte at a time and never finishes it, while another
        client fetches: the other's latencies (and MARKER is created once they are measured),
        then what the slow client got and after how long.
    python3 hostile.py SOCKET idle COUNT SERVER_PID
        COUNT connections opened and held idle; meanwhile another client is served; the
        server's VmRSS and its open-connection gauge while they are held, and after.
    python3 hostile.py SOCKET over-limit HELD EXTRA
        HELD keep-alive connections, each answered once, then EXTRA more: each gets what?
        Then one held connection closes and a new one is served again.

The fetch is {"name": "erp-prod", "project": "shop", "resource": "orders", "permission": "r"}.
"""

import json
import os
import resource
import signal
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvclient import UnixHTTPConnection, bound_time, call  # noqa: E402

FETCH = json.dumps({"name": "erp-prod", "project": "shop", "resource": "orders", "permission": "r"}).encode()
PATH = sys.argv[1]


def connect(timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(PATH)  # blocking: waits for room in a full listen queue (with a timeout it fails with EAGAIN)
    s.settimeout(timeout)
    return s


def read_to_end(s):
    received = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return received, "reset"
        if not chunk:
            return received, "eof"
        received += chunk


def status_of(received):
    if received.startswith(b"HTTP/1.1 ") and len(received) >= 12:
        return int(received[9:12])
    return None


def exchange(data, half_close=True):
    """Sends `data` (half-closing when asked), reads to the end: (status, how it ended, bytes)."""
    s = connect()
    try:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received, ending = read_to_end(s)
        return status_of(received), ending, received
    finally:
        s.close()


def fetch_once():
    """A fetch on a new connection: (status, seconds)."""
    started = time.monotonic()
    connection = UnixHTTPConnection(PATH)
    status, _, _ = call(connection, "POST", "/v1/fetch", FETCH)
    connection.close()
    return status, time.monotonic() - started


def framing():
    out = {}
    status, ending, _ = exchange(b"GET /v1/health HTTP/1.1\r\nHost: vault\r\nX-Filler: " + b"a" * 9000 + b"\r\n\r\n")
    out["oversized_head"] = [status, ending]
    body = b"{" + b" " * 70000 + b"}"
    status, ending, _ = exchange(b"POST /v1/fetch HTTP/1.1\r\nHost: vault\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    out["oversized_body"] = [status, ending]
    status, ending, _ = exchange(
        b"POST /v1/fetch HTTP/1.1\r\nHost: vault\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(FETCH) + FETCH + b"\r\n0\r\n\r\n"
    )
    out["chunked"] = [status, ending]
    request = b"POST /v1/fetch HTTP/1.1\r\nHost: vault\r\nContent-Length: %d\r\n\r\n" % len(FETCH) + FETCH
    status, ending, received = exchange(request)
    out["half_closed_complete"] = [status, ending, b'"secret"' in received]
    status, ending, received = exchange(request[: len(request) - 5])
    out["half_closed_partial"] = [status, ending, len(received)]
    status, ending, received = exchange(request + request)
    out["half_closed_pipelined"] = [received.count(b"HTTP/1.1 200 OK"), ending]
    return out


def slowloris(marker):
    slow = connect(timeout=12)
    slow.sendall(b"GET /v1/health HTTP/1.1\r\nHost: vault\r\nX-Slow: ")
    started = time.monotonic()
    answered = threading.Event()
    result = {}

    def trickle():
        while not answered.is_set() and time.monotonic() - started < 10:
            try:
                slow.sendall(b"a")
            except OSError:
                return
            time.sleep(0.1)

    def wait_answer():
        received, ending = read_to_end(slow)
        result["slow_status"] = status_of(received)
        result["slow_ending"] = ending
        result["slow_seconds"] = round(time.monotonic() - started, 2)
        answered.set()

    threads = [threading.Thread(target=trickle), threading.Thread(target=wait_answer)]
    for thread in threads:
        thread.start()
    latencies, statuses = [], []
    while time.monotonic() - started < 1.5:
        status, seconds = fetch_once()
        statuses.append(status)
        latencies.append(seconds)
    with open(marker, "w") as f:
        f.write("measured\n")
    for thread in threads:
        thread.join(15)
    slow.close()
    result.update({"fetches": len(statuses), "fetch_ok": statuses.count(200), "max_latency": round(max(latencies), 4),
                   "median_latency": round(sorted(latencies)[len(latencies) // 2], 4)})
    return result


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def open_connections_gauge():
    connection = UnixHTTPConnection(PATH)
    status, _, body = call(connection, "GET", "/metrics")
    connection.close()
    for line in body.decode().splitlines():
        if line.startswith("tokenvault_open_connections "):
            return int(line.split()[1])
    return None


def idle(count, server_pid):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    server_soft, server_hard = resource.prlimit(server_pid, resource.RLIMIT_NOFILE)
    if server_soft < count + 64:
        resource.prlimit(server_pid, resource.RLIMIT_NOFILE, (min(server_hard, count + 256), server_hard))
    out = {"rss_kib_before": rss_kib(server_pid)}
    held = [connect() for _ in range(count)]
    deadline = time.monotonic() + 10
    gauge = open_connections_gauge()
    while gauge is not None and gauge < count and time.monotonic() < deadline:
        time.sleep(0.05)
        gauge = open_connections_gauge()
    out["open_connections_held"] = gauge
    latencies, statuses = [], []
    for _ in range(20):
        status, seconds = fetch_once()
        statuses.append(status)
        latencies.append(seconds)
    out["fetch_ok"] = statuses.count(200)
    out["max_latency"] = round(max(latencies), 4)
    out["median_latency"] = round(sorted(latencies)[len(latencies) // 2], 4)
    out["rss_kib_held"] = rss_kib(server_pid)
    # The held connections are still open, not closed by the server.
    alive = 0
    for s in held:
        s.setblocking(False)
        try:
            alive += 0 if s.recv(1) == b"" else 1
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    out["held_alive"] = alive
    for s in held:
        s.close()
    deadline = time.monotonic() + 10
    gauge = open_connections_gauge()
    while gauge is not None and gauge > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        gauge = open_connections_gauge()
    out["open_connections_after"] = gauge
    out["rss_kib_after"] = rss_kib(server_pid)
    return out


def over_limit(held_count, extra_count):
    held = []
    for _ in range(held_count):
        connection = UnixHTTPConnection(PATH)
        status, _, _ = call(connection, "GET", "/v1/health")
        held.append((connection, status))
    out = {"held_ok": sum(1 for _, status in held if status == 200), "extra": []}
    for _ in range(extra_count):
        status, ending, received = exchange(b"GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n", half_close=False)
        head, _, body = received.partition(b"\r\n\r\n")
        try:
            kind = json.loads(body).get("error")
        except ValueError:
            kind = None
        out["extra"].append([status, kind, b"Connection: close" in head, ending])
    held[0][0].close()
    deadline = time.monotonic() + 5
    status = None
    while time.monotonic() < deadline:
        status, _, _ = exchange(b"GET /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n", half_close=False)
        if status == 200:
            break
        time.sleep(0.05)
    out["after_one_closed"] = status
    for connection, _ in held[1:]:
        connection.close()
    return out


def main():
    bound_time(120)
    command = sys.argv[2]
    if command == "framing":
        result = framing()
    elif command == "slowloris":
        result = slowloris(sys.argv[3])
    elif command == "idle":
        result = idle(int(sys.argv[3]), int(sys.argv[4]))
    elif command == "over-limit":
        result = over_limit(int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
