"""Failover of a vault in PostgreSQL to a synchronous standby while clients fetch through
`tokenvault serve`: nothing acknowledged is lost, and the service serves again from the promoted
standby through its multi-host URI, with no restart.

    python3 failover.py BINARY CLUSTER_SCRIPT WORKDIR [--clients C] [--seconds S] [--log PATH]

Starts its own throwaway primary and standby (CLUSTER_SCRIPT start / standby, stopped at the end
whatever happens), makes a vault through a URI naming both hosts (target_session_attrs=read-write),
adds credential `fo` and the caller's uid as a principal, and starts one server. C client
processes fetch for S seconds, each attempt under a new `TokenVault-On-Behalf-Of: client-N-I`
(an attempt whose answer was lost may or may not have committed, so it is never repeated under
its name); after a third of the time the primary is crashed (immediate stop) and the standby
promoted. Then: every 200 must be in the trail exactly once, with its version; some 200s must
come after the promotion; the trail must verify on the new primary.

Prints `acknowledged=A after_failover=F refused_during_failover=R unaudited=U duplicated=D` and
exits 1 when U or D is not 0, F is 0, or a check failed.
"""

import argparse
import collections
import http.client
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_test import log, reap, start_server  # noqa: E402
from tvclient import UnixHTTPConnection, bound_time, call  # noqa: E402

NEED = {"name": "fo", "project": "fo", "resource": "test", "permission": "r"}


STARTED = time.monotonic()


def phase(text):
    log(f"{time.monotonic() - STARTED:6.1f} s  {text}")


def cluster(script, *arguments):
    # runuser (the script runs PostgreSQL as its user when root) lives in /usr/sbin.
    environment = dict(os.environ, PATH=os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin")
    run = subprocess.run(["bash", script, *arguments], capture_output=True, timeout=120, env=environment)
    if run.returncode != 0:
        raise SystemExit(f"{script} {' '.join(arguments)} failed: " + run.stderr.decode(errors="replace"))
    return run.stdout.decode().strip()


def client(path, number, seconds, acks_path):
    """Fetches until `seconds` have passed; a failed attempt is followed by a new one (new name)."""
    body = json.dumps(NEED).encode()
    deadline = time.monotonic() + seconds
    refused = 0
    attempt = 0
    connection = None
    with open(acks_path, "a") as acks:
        while time.monotonic() < deadline:
            attempt += 1
            name = f"client-{number}-{attempt}"
            try:
                if connection is None:
                    connection = UnixHTTPConnection(path, timeout=10)
                status, _, data = call(connection, "POST", "/v1/fetch", body, {"TokenVault-On-Behalf-Of": name})
            except (OSError, http.client.HTTPException):
                connection = None
                status, data = None, b""
            if status == 200:
                fetched = json.loads(data)
                acks.write(f"{name} {fetched['version']} {time.time():.3f}\n")
                acks.flush()
            else:
                refused += 1
                time.sleep(0.05)
        acks.write(f"# refused {refused}\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("cluster_script")
    parser.add_argument("workdir")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--log")
    options = parser.parse_args()
    options.log = options.log or os.path.join(options.workdir, "serve.log")
    bound_time(240)
    os.makedirs(options.workdir, exist_ok=True)
    problems = []
    primary = standby = server = None
    pids = []
    try:
        primary = cluster(options.cluster_script, "start", str(os.getpid()))
        standby = cluster(options.cluster_script, "standby", primary, str(os.getpid()))
        urls = [open(os.path.join(d, "url")).read().strip() for d in (primary, standby)]
        ports = [url.split("port=")[1].split("&")[0] for url in urls]
        uri = (
            f"postgresql:///tokenvault_test?host={primary},{standby}&port={ports[0]},{ports[1]}"
            "&user=tokenvault_test&target_session_attrs=read-write&connect_timeout=2"
        )
        os.environ["TOKENVAULT_PATH"] = uri

        def tool(*arguments, stdin=b""):
            run = subprocess.run([options.binary, *arguments], input=stdin, capture_output=True, timeout=120)
            if run.returncode != 0:
                raise SystemExit(f"tokenvault {' '.join(arguments)}: " + run.stderr.decode(errors="replace"))
            return run.stdout.decode()

        phase("clusters up")
        tool("init")
        tool("add", "fo", "--grant", "fo:test:r", "--expires-in", "90d", stdin=b"fo-secret")
        tool("principal", "add", "app", "--uid", str(os.getuid()), "--allow", "fo:fo:test:r")
        socket_path = os.path.join(options.workdir, "fo.sock")
        server = start_server(options.binary, socket_path, options.log)
        for number in range(options.clients):
            pid = os.fork()
            if pid == 0:
                try:
                    client(socket_path, number, options.seconds, os.path.join(options.workdir, f"client-{number}.acks"))
                finally:
                    os._exit(0)
            pids.append(pid)
        phase("clients started")
        time.sleep(options.seconds / 3)
        cluster(options.cluster_script, "crash", primary)
        time.sleep(0.5)
        cluster(options.cluster_script, "promote", standby)
        promoted_at = time.time()
        log(f"primary crashed, standby promoted at {promoted_at:.3f}")
        phase("promoted")
        if reap(pids, options.seconds + 60):
            problems.append("clients did not end")
        pids = []
        acks, refused = {}, 0
        for number in range(options.clients):
            with open(os.path.join(options.workdir, f"client-{number}.acks")) as f:
                for line in f:
                    if line.startswith("# refused"):
                        refused += int(line.split()[2])
                        continue
                    name, version, at = line.split()
                    acks[name] = (int(version), float(at))
        phase("clients done")
        after = sum(1 for _, at in acks.values() if at > promoted_at)
        events = collections.Counter()
        run = subprocess.run(
            [options.binary, "audit", "--action", "fetch", "--outcome", "ok", "--format", "jsonl"], capture_output=True, timeout=120
        )
        if run.returncode != 0:
            raise SystemExit("audit failed: " + run.stderr.decode(errors="replace"))
        for line in run.stdout.splitlines():
            event = json.loads(line)
            if event.get("on_behalf_of"):
                events[event["on_behalf_of"]] += 1
        unaudited = [name for name in acks if events[name] == 0]
        duplicated = [name for name, count in events.items() if count > 1]
        phase("audited")
        verify = subprocess.run([options.binary, "audit", "verify"], capture_output=True, timeout=120)
        if verify.returncode != 0:
            problems.append("audit verify failed: " + verify.stdout.decode(errors="replace") + verify.stderr.decode(errors="replace"))
        if after == 0:
            problems.append("no fetch succeeded after the promotion")
        phase("verified")
        server.send_signal(signal.SIGTERM)
        if server.wait(timeout=30) != 0:
            problems.append(f"the server exited with {server.returncode}")
        server = None
    finally:
        if pids:
            reap(pids, 0)
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        for directory in (standby, primary):
            if directory:
                cluster(options.cluster_script, "stop", directory)
    for problem in problems:
        log(problem)
    print(
        f"acknowledged={len(acks)} after_failover={after} refused_during_failover={refused} "
        f"unaudited={len(unaudited)} duplicated={len(duplicated)}",
        flush=True,
    )
    sys.exit(1 if problems or unaudited or duplicated else 0)


if __name__ == "__main__":
    main()
