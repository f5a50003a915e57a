"""SIGKILL `tokenvault serve` while client processes fetch; after each kill restart it and prove
that every fetch a client was answered 200 for is in the audit trail (matched by its
`TokenVault-On-Behalf-Of: client-N-I`), that the trail verifies, and that the server serves again.

    python3 kill_test.py BINARY SOCKET WORKDIR [--kills N] [--clients C] [--fetches M] [--seed S] [--log PATH]

The vault is the one TOKENVAULT_PATH and TOKENVAULT_KEY_FILE name; it holds a credential
`kill-test` (grant kill:test:r, secret `kill-secret-1`; round K rotates it to `kill-secret-K`) that the caller's user id is a principal allowed to fetch
(`kill-test:kill:test:r`). Each client writes `ON_BEHALF_OF VERSION` to WORKDIR/client-N.acks for
every 200 it got, flushed at once; the servers' standard error is appended to WORKDIR/serve.log
(or --log).

Prints one line, `kills=N fetches_acknowledged=A unaudited=U`, and exits 1 when U > 0, when the
trail does not verify, or when a server does not come back; details go to standard error.
"""

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvclient import UnixHTTPConnection, bound_time, call  # noqa: E402

NEED = {"name": "kill-test", "project": "kill", "resource": "test", "permission": "r"}


def log(text):
    print(text, file=sys.stderr, flush=True)


def health(path):
    try:
        connection = UnixHTTPConnection(path, timeout=2)
        status, _, _ = call(connection, "GET", "/v1/health")
        connection.close()
        return status == 200
    except OSError:
        return False


def start_server(binary, path, log_path):
    with open(log_path, "ab") as err:
        server = subprocess.Popen(
            [binary, "serve", "--socket", path, "--rate-limit", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} on start")
        if health(path):
            return server
        time.sleep(0.02)
    server.kill()
    server.wait()
    raise SystemExit("the server did not answer within 15 s")


def client(path, number, first, count, acks_path):
    """Fetches up to `count` times on one keep-alive connection; stops at the first failure."""
    random.seed(os.getpid())
    body = json.dumps(NEED).encode()
    with open(acks_path, "a") as acks:
        try:
            connection = UnixHTTPConnection(path, timeout=10)
            for i in range(first, first + count):
                name = f"client-{number}-{i}"
                status, _, data = call(connection, "POST", "/v1/fetch", body, {"TokenVault-On-Behalf-Of": name})
                if status != 200:
                    log(f"{name}: status {status}: {data[:200]!r}")
                    return
                fetched = json.loads(data)
                version = fetched["version"]
                if fetched["secret"] != f"kill-secret-{version}":
                    log(f"{name}: version {version} came with another secret")
                    return
                acks.write(f"{name} {version}\n")
                acks.flush()
        except (OSError, http.client.HTTPException):
            return  # the server was killed


def run_clients(path, workdir, clients, first, count):
    pids = []
    for number in range(clients):
        pid = os.fork()
        if pid == 0:
            try:
                client(path, number, first, count, os.path.join(workdir, f"client-{number}.acks"))
            finally:
                os._exit(0)
        pids.append(pid)
    return pids


def reap(pids, seconds):
    """Waits for the clients, at most `seconds`; kills the ones left."""
    deadline = time.monotonic() + seconds
    left = set(pids)
    while left and time.monotonic() < deadline:
        for pid in list(left):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                left.discard(pid)
        time.sleep(0.01)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return len(left)


def acknowledged(workdir, clients):
    acks = {}
    for number in range(clients):
        file = os.path.join(workdir, f"client-{number}.acks")
        if os.path.exists(file):
            with open(file) as f:
                for line in f:
                    name, version = line.split()
                    acks[name] = int(version)
    return acks


def audited_fetches(binary):
    run = subprocess.run(
        [binary, "audit", "--action", "fetch", "--outcome", "ok", "--format", "jsonl"], capture_output=True, timeout=120
    )
    if run.returncode != 0:
        raise SystemExit("audit failed: " + run.stderr.decode(errors="replace"))
    events = {}
    for line in run.stdout.splitlines():
        event = json.loads(line)
        if event.get("on_behalf_of"):
            events[event["on_behalf_of"]] = event
    return events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("socket")
    parser.add_argument("workdir")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--fetches", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--log", help="where the servers' standard error goes (default WORKDIR/serve.log)")
    options = parser.parse_args()
    options.log = options.log or os.path.join(options.workdir, "serve.log")
    bound_time(60 + options.kills * 30)
    rng = random.Random(options.seed)
    os.makedirs(options.workdir, exist_ok=True)
    problems = []
    server, clients = None, []
    try:
        for kill in range(options.kills):
            if kill > 0:
                # A new version each round, so that a fetch audited with the wrong version shows.
                rotated = subprocess.run(
                    [options.binary, "rotate", "kill-test"], input=f"kill-secret-{kill + 1}".encode(), capture_output=True, timeout=60
                )
                if rotated.returncode != 0:
                    raise SystemExit("rotate failed: " + rotated.stderr.decode(errors="replace"))
            server = start_server(options.binary, options.socket, options.log)
            clients = run_clients(options.socket, options.workdir, options.clients, kill * options.fetches, options.fetches)
            time.sleep(rng.uniform(0.2, 0.6))
            server.send_signal(signal.SIGKILL)
            server.wait()
            server = None
            if reap(clients, 20):
                problems.append(f"kill {kill}: clients did not end")
            clients = []
        # The restart after the last kill: it must serve, and stop cleanly.
        server = start_server(options.binary, options.socket, options.log)
        connection = UnixHTTPConnection(options.socket)
        status, _, _ = call(connection, "POST", "/v1/fetch", json.dumps(NEED).encode(), {"TokenVault-On-Behalf-Of": "after-restart"})
        connection.close()
        if status != 200:
            problems.append(f"the restarted server answered a fetch with {status}")
        server.send_signal(signal.SIGTERM)
        try:
            if server.wait(timeout=15) != 0:
                problems.append(f"the restarted server exited with {server.returncode}")
        except subprocess.TimeoutExpired:
            problems.append("the restarted server did not stop within 15 s of SIGTERM")
    finally:
        # Nothing this script started outlives it.
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        if clients:
            reap(clients, 0)
    acks = acknowledged(options.workdir, options.clients)
    events = audited_fetches(options.binary)
    unaudited = sorted(name for name in acks if name not in events)
    wrong_version = sorted(name for name, version in acks.items() if name in events and events[name]["version"] != version)
    in_flight = sum(1 for name in events if name.startswith("client-") and name not in acks)
    verify = subprocess.run([options.binary, "audit", "verify"], capture_output=True, timeout=120)
    if verify.returncode != 0:
        problems.append("audit verify failed: " + verify.stdout.decode(errors="replace") + verify.stderr.decode(errors="replace"))
    if wrong_version:
        problems.append(f"{len(wrong_version)} fetches audited with another version, e.g. {wrong_version[:3]}")
    log(f"audited but not acknowledged (in flight when killed): {in_flight}")
    for problem in problems:
        log(problem)
    if unaudited:
        log(f"unaudited, e.g.: {unaudited[:10]}")
    print(f"kills={options.kills} fetches_acknowledged={len(acks)} unaudited={len(unaudited)}", flush=True)
    sys.exit(1 if unaudited or problems else 0)


if __name__ == "__main__":
    main()
