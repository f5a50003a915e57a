"""A client of `tokenvault serve --listen` over TLS, with Python's http.client and ssl.

Usage: tls_client.py HOST PORT CA_FILE [CERT_FILE KEY_FILE] < requests.json

Reads a JSON list of requests ({"method", "target", "json"?, "body"?, "token"?, "headers"?})
and sends them in
order on ONE connection (keep-alive), verifying the server's certificate against CA_FILE and
the host name; with CERT_FILE and KEY_FILE it presents a client certificate. Prints
{"tls_version", "connections", "results": [{"status", "body"}]}: "connections" counts the
TCP connections used (1 when the connection was reused for every request). Every socket
operation has a time-out of 10 s.

Usage: tls_client.py --hostile HOST PORT CASE [CA_FILE]

CASE is "plain-http" (an HTTP request in the clear to the TLS port: the server must close
the connection without an HTTP answer), "stall" (connect and send nothing: the server must
close the connection after its read time-out), "bad-request" (over TLS, with CA_FILE: a
malformed request, then more bytes for 1.5 s while the refused connection lingers) or
"pipelined" (over TLS: two requests in one write). Prints {"case", "answer", "closed_after"}.

Usage: tls_client.py --hold HOST PORT COUNT SECONDS

Opens COUNT TCP connections to the port and sends nothing; prints "ready" and holds them for
SECONDS (or until the server closes them).
"""
import http.client
import json
import socket
import ssl
import sys
import time


def hostile(host, port, case, ca_file=None):
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=15) as raw:
        s = raw
        if case in ("bad-request", "pipelined"):
            s = ssl.create_default_context(cafile=ca_file).wrap_socket(raw, server_hostname=host)
        if case == "plain-http":
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n")
        elif case == "pipelined":
            request = b"GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"
            s.sendall(request + request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        elif case == "bad-request":
            s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            for _ in range(15):
                time.sleep(0.1)
                try:
                    s.sendall(b"more bytes after the refusal\r\n")
                except OSError:
                    break
        answer = b""
        try:
            while len(answer) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, ssl.SSLError):
            pass
    print(json.dumps({"case": case, "answer": answer.decode("latin-1"), "closed_after": time.monotonic() - started}))


def hold(host, port, count, seconds):
    held = [socket.create_connection((host, port), timeout=15) for _ in range(count)]
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
    for s in held:
        s.close()


def main():
    if sys.argv[1] == "--hostile":
        hostile(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
        return
    if sys.argv[1] == "--hold":
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
        return
    host, port, ca_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    context = ssl.create_default_context(cafile=ca_file)
    if len(sys.argv) > 5:
        context.load_cert_chain(sys.argv[4], sys.argv[5])
    connection = http.client.HTTPSConnection(host, port, context=context, timeout=10)
    sockets = set()
    results = []
    for request in json.load(sys.stdin):
        headers = dict(request.get("headers") or {})
        if request.get("token"):
            headers["Authorization"] = "Bearer " + request["token"]
        body = request.get("body")
        if "json" in request:
            body = json.dumps(request["json"])
            headers["Content-Type"] = "application/json"
        connection.request(request["method"], request["target"], body=body.encode() if body is not None else None, headers=headers)
        sockets.add(connection.sock.getsockname())
        response = connection.getresponse()
        results.append({"status": response.status, "body": response.read().decode("utf-8", "replace")})
    version = connection.sock.version() if connection.sock else None
    connection.close()
    print(json.dumps({"tls_version": version, "connections": len(sockets), "results": results}))


if __name__ == "__main__":
    main()
