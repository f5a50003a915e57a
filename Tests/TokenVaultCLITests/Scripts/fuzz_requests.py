"""Sends random HTTP requests to `tokenvault serve` over real sockets: the http-request inputs of
the fuzz corpus (the files whose first byte selects target 7, see FuzzEntry.swift) and random
mutations of them, one connection each, from several processes at once.

    python3 fuzz_requests.py SOCKET CORPUS_DIR COUNT SEED [PROCESSES]

Each request is sent, the writing side shut down (so that an incomplete request ends at once
instead of waiting for the server's read timeout), and the answer read until the end of the
stream. Prints one JSON line: {"sent", "answered", "statuses": {code: n}, "unanswered", "errors"}.
"""

import json
import os
import random
import signal
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvclient import bound_time  # noqa: E402

HTTP_REQUEST_TARGET = 7
TARGET_COUNT = 10


def corpus_requests(directory):
    seeds = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        if data and data[0] % TARGET_COUNT == HTTP_REQUEST_TARGET:
            seeds.append(data[1:])
    if not seeds:
        raise SystemExit("no http-request inputs in " + directory)
    return seeds


TOKENS = [b"\r\n", b"\n", b"\r", b"\x00", b" ", b":", b"\t", b"%", b"%00", b"%2F", b"?", b"&", b"=", b"\xff",
          b"Content-Length: 5\r\n", b"Content-Length: 99999999\r\n", b"Content-Length: -1\r\n",
          b"Transfer-Encoding: chunked\r\n", b"Host: a\r\n", b"Connection: close\r\n", b"Expect: 100-continue\r\n",
          b"Authorization: Bearer tva_x\r\n", b"TokenVault-On-Behalf-Of: \x01\r\n", b"HTTP/1.0", b"HTTP/2.0",
          b"GET", b"POST", b"DELETE", b"HEAD", b"/v1/fetch", b"/v1/../..", b"{", b"}", b"\"", b"\\u0000", b"9" * 30]


def mutate(rng, data, seeds):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.randrange(8)
        position = rng.randint(0, len(data))
        if choice == 0 and data:  # flip a bit
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif choice == 1:  # insert random bytes
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif choice == 2 and data:  # delete a range
            del data[position:position + rng.randint(1, 32)]
        elif choice == 3:  # insert a token
            data[position:position] = rng.choice(TOKENS)
        elif choice == 4 and data:  # duplicate a range
            end = min(len(data), position + rng.randint(1, 64))
            data[position:position] = data[position:end] * rng.randint(1, 4)
        elif choice == 5:  # splice with another input
            other = rng.choice(seeds)
            cut = rng.randint(0, len(other))
            data = data[:position] + other[cut:]
        elif choice == 6 and data:  # truncate
            del data[rng.randint(0, len(data)):]
        else:  # a long run of one byte
            data[position:position] = bytes([rng.randrange(256)]) * rng.choice([100, 1000, 5000, 70000])
    return bytes(data)


def send(path, data):
    """Sends `data`, half-closes, reads to the end: the first status code, None without an answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole request was sent: read the answer
        received = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        if received.startswith(b"HTTP/1.1 ") and len(received) >= 12:
            return int(received[9:12])
        return None
    finally:
        s.close()


def worker(path, seeds, count, seed, out):
    rng = random.Random(seed)
    statuses, unanswered, errors = {}, 0, []
    for _ in range(count):
        base = rng.choice(seeds)
        data = base if rng.random() < 0.2 else mutate(rng, base, seeds)
        try:
            status = send(path, data)
        except OSError as error:
            errors.append(repr(error))
            continue
        if status is None:
            unanswered += 1
        else:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    out.write(json.dumps({"statuses": statuses, "unanswered": unanswered, "errors": errors[:5], "error_count": len(errors)}))


def main():
    bound_time(300)
    path, directory, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    processes = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    seeds = corpus_requests(directory)
    children = []
    for index in range(processes):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            with os.fdopen(write, "w") as out:
                worker(path, seeds, count // processes + (1 if index < count % processes else 0), seed * 1000 + index, out)
            os._exit(0)
        os.close(write)
        children.append((pid, read))
    total = {"sent": count, "answered": 0, "statuses": {}, "unanswered": 0, "errors": [], "error_count": 0}
    for pid, read in children:
        with os.fdopen(read) as f:
            part = json.loads(f.read() or '{"statuses": {}, "unanswered": 0, "errors": ["worker died"], "error_count": 1}')
        os.waitpid(pid, 0)
        for code, n in part["statuses"].items():
            total["statuses"][code] = total["statuses"].get(code, 0) + n
            total["answered"] += n
        total["unanswered"] += part["unanswered"]
        total["errors"] += part["errors"]
        total["error_count"] += part["error_count"]
    print(json.dumps(total, sort_keys=True))


if __name__ == "__main__":
    main()
