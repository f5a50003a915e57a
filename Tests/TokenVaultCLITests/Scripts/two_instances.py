"""Two `tokenvault serve` instances on one vault in PostgreSQL: SIGKILL one while client
processes fetch through both; the other must go on serving, and every fetch a client was
answered 200 for must be in the audit trail exactly once (matched by its
`TokenVault-On-Behalf-Of: client-N-I`), with the version it got; the trail must verify.

    python3 two_instances.py BINARY WORKDIR [--clients C] [--fetches M] [--seed S] [--log PATH]

The vault is the one TOKENVAULT_PATH (a postgresql:// URI) and TOKENVAULT_KEY_FILE name, set up
as for kill_test.py (credential `kill-test`, secret `kill-secret-1`, the caller's uid a
principal allowed to fetch it). Clients with an even number use instance A (the one killed),
odd ones instance B; each makes up to M fetches on one keep-alive connection.

Prints one line, `clients=C acknowledged=A through_survivor=S survivor_failures=F unaudited=U
duplicated=D`, and exits 1 when F, U or D is not 0, or the trail does not verify.
"""

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_test import acknowledged, client, log, reap, start_server  # noqa: E402
from tvclient import bound_time  # noqa: E402


def audited_fetch_names(binary):
    """Every successful fetch event's on-behalf-of name, with how often it occurs."""
    run = subprocess.run(
        [binary, "audit", "--action", "fetch", "--outcome", "ok", "--format", "jsonl"], capture_output=True, timeout=120
    )
    if run.returncode != 0:
        raise SystemExit("audit failed: " + run.stderr.decode(errors="replace"))
    names = collections.Counter()
    versions = {}
    for line in run.stdout.splitlines():
        event = json.loads(line)
        if event.get("on_behalf_of"):
            names[event["on_behalf_of"]] += 1
            versions[event["on_behalf_of"]] = event["version"]
    return names, versions


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("workdir")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--fetches", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--log")
    options = parser.parse_args()
    options.log = options.log or os.path.join(options.workdir, "serve.log")
    bound_time(300)
    rng = random.Random(options.seed)
    os.makedirs(options.workdir, exist_ok=True)
    sockets = [os.path.join(options.workdir, name) for name in ("a.sock", "b.sock")]
    servers, pids = [], {}
    problems = []
    try:
        servers = [start_server(options.binary, path, options.log) for path in sockets]
        for number in range(options.clients):
            pid = os.fork()
            if pid == 0:
                try:
                    client(sockets[number % 2], number, 0, options.fetches, os.path.join(options.workdir, f"client-{number}.acks"))
                finally:
                    os._exit(0)
            pids[pid] = number
        time.sleep(rng.uniform(0.3, 0.8))
        servers[0].send_signal(signal.SIGKILL)
        servers[0].wait()
        if reap(list(pids), 240):
            problems.append("clients did not end within 240 s")
        pids = {}
        servers[1].send_signal(signal.SIGTERM)
        try:
            if servers[1].wait(timeout=30) != 0:
                problems.append(f"the surviving instance exited with {servers[1].returncode}")
        except subprocess.TimeoutExpired:
            problems.append("the surviving instance did not stop within 30 s of SIGTERM")
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
                server.wait()
        if pids:
            reap(list(pids), 0)
    acks = acknowledged(options.workdir, options.clients)
    names, versions = audited_fetch_names(options.binary)
    unaudited = sorted(name for name in acks if names[name] == 0)
    duplicated = sorted(name for name, count in names.items() if count > 1)
    wrong_version = sorted(name for name, version in acks.items() if name in versions and versions[name] != version)
    # Every client of the survivor must have made all its fetches.
    survivor = [number for number in range(options.clients) if number % 2 == 1]
    through_survivor = sum(1 for name in acks if int(name.split("-")[1]) % 2 == 1)
    survivor_failures = len(survivor) * options.fetches - through_survivor
    verify = subprocess.run([options.binary, "audit", "verify"], capture_output=True, timeout=120)
    if verify.returncode != 0:
        problems.append("audit verify failed: " + verify.stdout.decode(errors="replace") + verify.stderr.decode(errors="replace"))
    if wrong_version:
        problems.append(f"{len(wrong_version)} fetches audited with another version, e.g. {wrong_version[:3]}")
    in_flight = sum(1 for name in names if name.startswith("client-") and name not in acks)
    log(f"audited but not acknowledged (in flight when killed): {in_flight}")
    for problem in problems:
        log(problem)
    print(
        f"clients={options.clients} acknowledged={len(acks)} through_survivor={through_survivor} "
        f"survivor_failures={survivor_failures} unaudited={len(unaudited)} duplicated={len(duplicated)}",
        flush=True,
    )
    sys.exit(1 if problems or unaudited or duplicated or survivor_failures else 0)


if __name__ == "__main__":
    main()
