"""A client of `tokenvault serve --listen` over TLS, with Python's http.client and ssl.

Usage: tls_client.py HOST PORT CA_FILE [CERT_FILE KEY_FILE] < requests.json

Reads a JSON list of requests ({"method", "target", "json"?, "body"?, "token"?, "headers"?})
and sends them in
order on ONE connection (keep-alive), verifying the server's certificate against CA_FILE and
the host name; with CERT_FILE and KEY_FILE it presents a client certificate. Prints
{"tls_version", "connections", "results": [{"status", "body"}]}: "connections" counts the
TCP connections used (1 when the connection was reused for every request). Every socket
operation has a time-out of 10 s.

Usage: tls_client.py --hostile HOST PORT CASE

CASE is "plain-http" (an HTTP request in the clear to the TLS port: the server must close
the connection without an HTTP answer) or "stall" (connect and send nothing: the server must
close the connection after its read time-out). Prints {"case", "answer", "closed_after"}.
"""
import http.client
import json
import socket
import ssl
import sys
import time


def hostile(host, port, case):
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=15) as s:
        if case == "plain-http":
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n")
        answer = b""
        try:
            while len(answer) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except ConnectionResetError:
            pass
    print(json.dumps({"case": case, "answer": answer.decode("latin-1"), "closed_after": time.monotonic() - started}))


def main():
    if sys.argv[1] == "--hostile":
        hostile(sys.argv[2], int(sys.argv[3]), sys.argv[4])
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
