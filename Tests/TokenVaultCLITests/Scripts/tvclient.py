"""A small client of `tokenvault serve` for the CLI tests: Python's http.client over AF_UNIX.

Run as a script, it answers a batch of requests read as JSON from standard input:

    [{"method": "POST", "target": "/v1/fetch", "json": {...}, "headers": {...}, "token": "tva_..."}, ...]

and prints one JSON document: {"pid": ..., "uid": ..., "results": [{"status", "headers", "body"}, ...]},
header names in lower case, bodies as text. Every request has a timeout; the whole batch an alarm.
"""

import http.client
import json
import os
import signal
import socket
import time
import sys


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client's connection over a Unix socket."""

    def __init__(self, path, timeout=10):
        super().__init__("vault", timeout=timeout)
        self.unix_path = path

    def connect(self):
        # A socket with a timeout connects without blocking, and a Unix socket whose backlog is
        # full (a thousand connections just opened, not yet accepted) answers EAGAIN at once:
        # retry until the timeout, as a blocking connect would wait.
        deadline = time.monotonic() + self.timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.timeout)
            try:
                s.connect(self.unix_path)
                self.sock = s
                return
            except BlockingIOError:
                s.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)


def bound_time(seconds):
    """Ends the script with an exception (so that its `finally` blocks stop what it started)
    after `seconds`. Unblocks every signal first: a process spawned from a thread of libdispatch
    (the Swift test runner) inherits a mask that blocks SIGALRM and SIGTERM, and the alarm would
    never ring. Children spawned after this (servers, clients) get a clean mask, as under systemd."""

    def expired(signal_number, frame):
        raise TimeoutError(f"{os.path.basename(sys.argv[0])} ran for more than {seconds} s")

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)


def call(connection, method, target, body=None, headers=None, token=None):
    """One request on `connection`: (status, headers with lower-case names, body bytes)."""
    fields = dict(headers or {})
    if token:
        fields["Authorization"] = "Bearer " + token
    connection.request(method, target, body=body, headers=fields)
    response = connection.getresponse()
    data = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def batch(path, requests):
    """Answers `requests` (dictionaries as in the module's doc) on one keep-alive connection,
    reconnecting after a response that closed it."""
    connection = UnixHTTPConnection(path)
    results = []
    for item in requests:
        body = item.get("body")
        if "json" in item:
            body = json.dumps(item["json"])
        if body is not None:
            body = body.encode() if isinstance(body, str) else body
        status, headers, data = call(
            connection, item.get("method", "GET"), item["target"], body, item.get("headers"), item.get("token")
        )
        results.append({"status": status, "headers": headers, "body": data.decode("utf-8", "replace")})
        if headers.get("connection", "").lower() == "close":
            connection.close()
            connection = UnixHTTPConnection(path)
    connection.close()
    return results


if __name__ == "__main__":
    bound_time(60)
    socket_path = sys.argv[1]
    out = batch(socket_path, json.load(sys.stdin))
    print(json.dumps({"pid": os.getpid(), "uid": os.getuid(), "results": out}))
