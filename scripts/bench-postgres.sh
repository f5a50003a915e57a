#!/usr/bin/env bash
# PostgreSQL vaults measured (C52), against SQLite FULL vaults of the same run, in one
# throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh: Unix socket only, fsync=on,
# synchronous_commit=on) with pg_stat_statements loaded. Release build; every figure is meant to
# be read as a ratio to another figure of the same run (the machine is shared and noisy: the
# load average and an fdatasync probe are recorded before each part). No test ever depends on
# these numbers.
#
#   bash scripts/bench-postgres.sh               the full run (about 10 minutes on 2 cores)
#   bash scripts/bench-postgres.sh --quick       shorter windows, one pass (about 3 minutes)
#   --bin DIR        use the tokenvault and TokenVaultBench in DIR instead of building
#   --no-service     skip part 1        --no-library   skip part 2
#   --no-pgbench     skip part 4
#   --before DIR     also part 5: this build against the tokenvault and TokenVaultBench in DIR
#                    (another commit's release build), alternated on the same PostgreSQL vault
#
# Vaults are made by the CLI (`init`, `add erp --grant shop:orders:r`, this user as principal
# `bench` allowed erp:shop:orders:r and metrics), each PostgreSQL vault in its own schema. Parts:
#
#  1. Service: 32 client processes (scripts/bench-serve-client.c `load`, one kept-alive
#     connection each, back to back) against 1 `tokenvault serve` on a PostgreSQL vault,
#     against 2 instances on the same vault (same URI, one Unix socket each, the clients split
#     over both), against 1 instance on a SQLite FULL vault; rotated, `pairs` times. Per run:
#     fetches/s, p50/p99, the mean commit group from each instance's /metrics, the CPU per fetch
#     of the serve processes and of the PostgreSQL cluster (all its processes, /proc), and from
#     pg_stat_statements how long the writer-lock statement took on the server (= the wait for
#     the other instance's lock) and how many transactions held it.
#  2. Library, `TokenVaultBench fetch-open` (one Vault = one connection per process):
#     1/2/4/8 threads in one process on PostgreSQL and on SQLite; then 2/4/8 processes of one
#     thread each, all on ONE PostgreSQL vault (one writer lock, one chain) against each on its
#     OWN vault (a lock each): the same statements, connections and server, only the shared lock
#     differs. Rates are counted by the server: audit events appended during a window after the
#     processes warmed up (max(seq) before and after), so start-up never counts.
#  3. Round trips: `strace -c` of fetch-open with 300 fetches minus 0 (sendto/recvfrom per
#     fetch); the statements of a fetch from pg_stat_statements (calls per fetch, mean server
#     time); and one fetch's timeline from `strace -ttt` (seccomp filter, sendto/recvfrom
#     only): the time from BEGIN to the lock, with the lock held, and the COMMIT's round trip.
#     strace slows each call: read its shares, not its microseconds. With perf: where that
#     backend's CPU goes (parse, analysis, planning, execution, commit), sampled.
#  4. pgbench replaying the fetch's own statements (taken from part 3's capture, parameters
#     written as literals, the audit seq from the head as the library does): -M simple,
#     extended (what the library sends: PQexecParams, one unnamed parse per statement) and
#     prepared; 8 clients with the advisory lock against a row lock (SELECT … FOR UPDATE on
#     vault_meta); and the same statements in 4 round trips (pipelines) instead of 12.
#  5. With --before: fetch-open with 1 and 8 threads and `serve` with 32 clients, this build's
#     binaries against DIR's, in alternating order, on the same PostgreSQL vault; the ratios.
#
# Everything lives in one mktemp -d and the cluster's directory, both removed on exit; every
# process started here (servers, fetch-open, clients) is stopped by its process id (a fetch-open
# also dies with the helper that started it); the cluster is stopped by pg-test-cluster.sh, and
# one left by a killed run is swept by its next start. Only Unix sockets. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0 bin="" before="" do_service=1 do_library=1 do_pgbench=1
while [ "$#" -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --no-service) do_service=0 ;;
        --no-library) do_library=0 ;;
        --no-pgbench) do_pgbench=0 ;;
        --bin)
            if ! { [ "$#" -ge 2 ] && [ -x "$2/tokenvault" ] && [ -x "$2/TokenVaultBench" ]; }; then
                echo "bench-postgres: --bin needs a folder with tokenvault and TokenVaultBench" >&2
                exit 2
            fi
            bin="$(realpath "$2")"; shift ;;
        --before)
            if ! { [ "$#" -ge 2 ] && [ -x "$2/tokenvault" ] && [ -x "$2/TokenVaultBench" ]; }; then
                echo "bench-postgres: --before needs a folder with tokenvault and TokenVaultBench" >&2
                exit 2
            fi
            before="$(realpath "$2")"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-postgres: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    seconds=4 pairs=1 window=3 passes=1 pgbench_seconds=3 pgbench_rounds=1
else
    seconds=10 pairs=3 window=5 passes=2 pgbench_seconds=6 pgbench_rounds=3
fi

for tool in cc python3 swift psql pg_config; do
    command -v "$tool" >/dev/null || { echo "bench-postgres: $tool is needed" >&2; exit 1; }
done
use_strace=1 use_pgbench="$do_pgbench"
command -v strace >/dev/null || use_strace=0
command -v pgbench >/dev/null || use_pgbench=0
[ "$use_strace" = 1 ] || use_pgbench=0  # pgbench replays part 3's capture
pgbin="$(pg_config --bindir)"

if [ -z "$bin" ]; then
    echo "== release build" >&2
    swift build -c release --product tokenvault >&2
    swift build -c release --product TokenVaultBench >&2
    bin="$(swift build -c release --show-bin-path)"
fi
tokenvault="$bin/tokenvault"
bench="$bin/TokenVaultBench"

# --- one temporary tree and one cluster; every process started is recorded and stopped ----
work="$(mktemp -d)"
cluster=""
# shellcheck source=scripts/bench-processes.sh
. scripts/bench-processes.sh
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    if [ -n "$cluster" ]; then bash scripts/pg-test-cluster.sh stop "$cluster" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
results="$work/results.txt"
: >"$results"
load_average() {  # WHEN: the 1-minute load average and an fdatasync probe (100 × 12 KiB in /tmp), as RESULT lines
    echo "RESULT|load_average_$1|$(cut -d' ' -f1 /proc/loadavg)|-|1" | tee -a "$results" >&2
    "$client" fsync "$work" 100 | sed "s/^RESULT|fdatasync_12KiB_/RESULT|fdatasync_$1_/" | tee -a "$results" >&2
}

echo "== client (cc -O2 scripts/bench-serve-client.c)" >&2
client="$work/bench-serve-client"
cc -O2 -Wall -o "$client" scripts/bench-serve-client.c

echo "== throwaway PostgreSQL cluster, with pg_stat_statements" >&2
cluster="$(bash scripts/pg-test-cluster.sh start $$)"
url="$(cat "$cluster/url")"
port="$(sed -nE 's/.*[?&]port=([0-9]+).*/\1/p' "$cluster/url")"
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
super_sql() {  # SQL: as the superuser, in the vaults' database; unaligned output
    as_owner "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$cluster" -p "$port" -U postgres -d tokenvault_test -c "$1"
}
super_sql "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
# pg_ctl restart keeps the options the server was started with (postmaster.opts).
as_owner "$pgbin/pg_ctl" -s -w -t 60 -D "$cluster/data" -l "$cluster/log" -m fast restart >&2
super_sql "CREATE EXTENSION pg_stat_statements" >/dev/null
super_sql "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', shared_buffers=' || current_setting('shared_buffers')" >&2

# --- vaults --------------------------------------------------------------------------------
token="$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(56)))')"
body='{"name":"erp","project":"shop","resource":"orders","permission":"r"}'
key="$work/vault.key"
"$tokenvault" keygen "$key" >/dev/null
pg_vault() { echo "$url&options=-csearch_path%3D$1"; }  # SCHEMA: the vault URI (as the CLI tests build it)
make_vault() {  # PATH | SCHEMA: the credential erp (shop:orders:r) and this user as principal `bench`
    local vault="$1"
    if [[ "$vault" != */* ]]; then psql -X -q "$url" -c "CREATE SCHEMA $vault"; vault="$(pg_vault "$vault")"; fi
    TOKENVAULT_PATH="$vault" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench "$tokenvault" init >/dev/null
    printf '%s' "$token" | TOKENVAULT_PATH="$vault" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
        "$tokenvault" add erp --grant shop:orders:r --expires-in 90d >/dev/null
    TOKENVAULT_PATH="$vault" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
        "$tokenvault" principal add bench --uid "$(id -u)" --allow 'erp:shop:orders:r' --allow metrics >/dev/null
}
echo "== vaults: SQLite files served.db and lib.db; PostgreSQL schemas served, lib, own1..own8, pgb" >&2
make_vault "$work/served.db"
make_vault "$work/lib.db"
for schema in served lib own1 own2 own3 own4 own5 own6 own7 own8 pgb; do make_vault "$schema"; done

helper="$work/helper.py"
cat >"$helper" <<'PY'
"""The measuring half of scripts/bench-postgres.sh: prints RESULT|name|value|unit|count lines."""
import ctypes, os, re, signal, sqlite3, statistics, subprocess, sys, time

env = os.environ
WORK, CLUSTER, URL, PORT = env["BP_WORK"], env["BP_CLUSTER"], env["BP_URL"], env["BP_PORT"]
BENCH, CLIENT, KEY, TOKEN, BODY = env["BP_BENCH"], env["BP_CLIENT"], env["BP_KEY"], env["BP_TOKEN"], env["BP_BODY"]
PGBIN = env["BP_PGBIN"]
TICKS = os.sysconf("SC_CLK_TCK")
LOCK, BEGIN_RW, SAVEPOINT = "pg_advisory_xact_lock", "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE", "SAVEPOINT grouped_write"

LIBC = ctypes.CDLL(None, use_errno=True)

def dies_with_us():
    """In a child before exec: SIGTERM when this helper dies (PR_SET_PDEATHSIG), so that no
    fetch-open outlives a killed run."""
    LIBC.prctl(1, signal.SIGTERM, 0, 0, 0)

def result(name, value, unit, count=1, digits=1):
    print(f"RESULT|{name}|{value:.{digits}f}|{unit}|{count}", flush=True)

def vault_uri(schema):
    return f"{URL}&options=-csearch_path%3D{schema}"

def super_sql(sql):
    argv = [f"{PGBIN}/psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", CLUSTER, "-p", PORT, "-U", "postgres", "-d", "tokenvault_test", "-c", sql]
    if os.getuid() == 0:
        argv = ["runuser", "-u", "postgres", "--"] + argv
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True, timeout=60).stdout

def proc_ticks(pid, children=False):
    """utime+stime of every thread of pid (and of its reaped children), in ticks; 0 if gone."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    ticks = int(fields[11]) + int(fields[12])
    return ticks + (int(fields[13]) + int(fields[14]) if children else 0)

def cluster_ticks():
    """CPU of the whole cluster: the postmaster with the backends it reaped, plus its live children."""
    postmaster = int(open(f"{CLUSTER}/data/postmaster.pid").readline())
    total = proc_ticks(postmaster, children=True)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == postmaster:
                total += int(stat[11]) + int(stat[12])
    return total

def statements():
    """pg_stat_statements of the vaults' database: query -> (calls, mean exec ms, total exec ms)."""
    rows = super_sql("SELECT calls, mean_exec_time, total_exec_time, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements "
                     "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'tokenvault_test')")
    out = {}
    for line in rows.splitlines():
        calls, mean, total, query = line.split("|", 3)
        old = out.get(query, (0, 0.0, 0.0))
        out[query] = (old[0] + int(calls), float(mean), old[2] + float(total))
    return out

def reset_statements():
    super_sql("SELECT pg_stat_statements_reset()")

def lock_figures(prefix, stats, fetches, seconds):
    """The writer lock's statement, the write transactions and the grouped writes, from pg_stat_statements."""
    lock = [v for q, v in stats.items() if LOCK in q]
    begins = sum(v[0] for q, v in stats.items() if q.startswith(BEGIN_RW))
    saves = sum(v[0] for q, v in stats.items() if q.startswith(SAVEPOINT))
    if lock and lock[0][0]:
        calls, _, total = lock[0]
        result(f"{prefix}_lock_statement", total / calls * 1000, "us (server time of pg_advisory_xact_lock, waiting included)", calls)
    if begins:
        result(f"{prefix}_pg_group_size", saves / begins, "fetches/transaction", begins, 2)
        result(f"{prefix}_pg_transactions", begins / seconds, "transactions/s", begins, 0)
    work = sum(v[2] for q, v in stats.items() if LOCK not in q)
    if fetches:
        result(f"{prefix}_pg_exec_per_fetch", work / fetches * 1000, "us (server execution, lock wait excluded)", fetches)

# --- part 1: service load ---------------------------------------------------------------------
def metric(sock, name):
    out = subprocess.run([CLIENT, "get", sock, "/metrics"], check=True, stdout=subprocess.PIPE, text=True, timeout=30).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return float(parts[1])
    return 0.0

def service(prefix, sockets, server_pids, clients, seconds, postgres):
    commits = lambda: [(metric(s, "tokenvault_commit_groups_total"), metric(s, "tokenvault_commit_writes_total")) for s in sockets]
    before = commits()
    if postgres:
        reset_statements()
    server0, cluster0 = sum(proc_ticks(p) for p in server_pids), cluster_ticks()
    out = subprocess.run([CLIENT, "load", ",".join(sockets), BODY, str(clients), str(seconds), TOKEN, prefix],
                         check=True, stdout=subprocess.PIPE, text=True, timeout=seconds + 180).stdout
    server1, cluster1 = sum(proc_ticks(p) for p in server_pids), cluster_ticks()
    stats = statements() if postgres else {}
    after = commits()
    print(out, end="", flush=True)
    fetches = int(next(l.split("|")[4] for l in out.splitlines() if l.startswith(f"RESULT|{prefix}_rate|")))
    elapsed = float(next(l.split("|")[2] for l in out.splitlines() if l.startswith(f"RESULT|{prefix}_seconds|")))
    groups = sum(a[0] - b[0] for a, b in zip(after, before))
    writes = sum(a[1] - b[1] for a, b in zip(after, before))
    if groups:
        result(f"{prefix}_group_size", writes / groups, "fetches/commit (/metrics, all instances)", int(groups), 2)
        result(f"{prefix}_commits", groups / elapsed, "commits/s", int(groups), 0)
    result(f"{prefix}_serve_cpu", (server1 - server0) / TICKS / fetches * 1e6, "us/fetch (tokenvault serve)", fetches)
    result(f"{prefix}_postgres_cpu", (cluster1 - cluster0) / TICKS / fetches * 1e6, "us/fetch (PostgreSQL cluster)", fetches)
    if postgres:
        lock_figures(prefix, stats, fetches, elapsed)

# --- part 2: fetch-open processes, counted by the server over a window --------------------------
def appended(vaults):
    """Audit events in these vaults (the highest seq of each distinct vault, summed)."""
    total = 0
    distinct = sorted(set(vaults))
    for v in distinct:
        if v.endswith(".db"):
            with sqlite3.connect(f"file:{v}?mode=ro", uri=True, timeout=30) as db:
                total += db.execute("SELECT coalesce(max(seq), 0) FROM audit_events").fetchone()[0]
    pg = [v for v in distinct if not v.endswith(".db")]
    if pg:
        total += int(super_sql("SELECT " + " + ".join(f"(SELECT coalesce(max(seq), 0) FROM {s}.audit_events)" for s in pg)).strip())
    return total

def window(prefix, vaults, threads, warmup, seconds):
    """One fetch-open process per entry of vaults (a SQLite path or a schema), each with `threads` threads."""
    postgres = not vaults[0].endswith(".db")
    procs = []
    for v in vaults:
        target = v if v.endswith(".db") else vault_uri(v)
        procs.append(subprocess.Popen([BENCH, "fetch-open", target, KEY, "1", "100000000", str(threads)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=dies_with_us))
    try:
        time.sleep(warmup)
        for p in procs:
            if p.poll() is not None:
                sys.exit(f"bench-postgres: fetch-open ended early: {p.stderr.read()}")
        if postgres:
            reset_statements()
        n0, t0 = appended(vaults), time.monotonic()
        c0, s0 = sum(proc_ticks(p.pid) for p in procs), cluster_ticks()
        each0 = [appended([v]) for v in sorted(set(vaults))] if postgres and len(set(vaults)) > 1 else []
        time.sleep(seconds)
        n1, t1 = appended(vaults), time.monotonic()
        c1, s1 = sum(proc_ticks(p.pid) for p in procs), cluster_ticks()
        each1 = [appended([v]) for v in sorted(set(vaults))] if postgres and len(set(vaults)) > 1 else []
        stats = statements() if postgres else {}
        alive = all(p.poll() is None for p in procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=15)
    if not alive:
        sys.exit(f"bench-postgres: a fetch-open process ended inside the window ({prefix})")
    if any(b <= a for a, b in zip(each0, each1)):
        sys.exit(f"bench-postgres: a vault appended nothing in the window ({prefix})")
    fetches = n1 - n0
    elapsed = t1 - t0
    result(f"{prefix}_rate", fetches / elapsed, "fetches/s", fetches, 0)
    result(f"{prefix}_client_cpu", (c1 - c0) / TICKS / fetches * 1e6, "us/fetch (fetch-open processes)", fetches)
    if postgres:
        result(f"{prefix}_postgres_cpu", (s1 - s0) / TICKS / fetches * 1e6, "us/fetch (PostgreSQL cluster)", fetches)
        lock_figures(prefix, stats, fetches, elapsed)

# --- part 3: round trips, statements, timeline --------------------------------------------------
def strace_counts(schema, fetches):
    counts = {}
    for n in (fetches, 0):
        out = f"{WORK}/strace-c-{n}.txt"
        subprocess.run(["strace", "-f", "-c", "-o", out, BENCH, "fetch-open", vault_uri(schema), KEY, "1", str(n)],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        for line in open(out):
            parts = line.split()
            if len(parts) >= 5 and parts[-1] in ("sendto", "recvfrom", "poll") and parts[3].isdigit():
                counts[(n, parts[-1])] = int(parts[3])
    for call in ("sendto", "recvfrom", "poll"):
        result(f"strace_{call}_per_fetch", (counts.get((fetches, call), 0) - counts.get((0, call), 0)) / fetches, "calls/fetch", fetches, 2)

def statement_table(schema, fetches):
    """The statements of a fetch: calls per fetch and mean server time, in the order a fetch sends them."""
    reset_statements()
    subprocess.run([BENCH, "fetch-open", vault_uri(schema), KEY, "1", str(fetches)], check=True, stdout=subprocess.DEVNULL, timeout=600)
    stats = statements()
    order = [BEGIN_RW, "SET LOCAL lock_timeout", "SELECT " + LOCK, SAVEPOINT, "SELECT id FROM keys", "SELECT c.id, c.uid", "SELECT credential_id, version",
             "UPDATE credentials SET last_used", "SELECT seq, hash FROM audit_events", "INSERT INTO audit_events", "RELEASE grouped_write", "COMMIT"]
    lock_at = order.index("SELECT " + LOCK)
    total_calls = total_time = 0.0
    for i, piece in enumerate(order):
        found = [(q, v) for q, v in stats.items() if (q == piece if piece == "COMMIT" else q.startswith(piece)) and v[0] >= fetches]
        if not found:
            continue
        q, (calls, _, total) = found[0]
        total_calls += calls
        total_time += total
        under = "held" if i > lock_at else ("taking" if i == lock_at else "before")
        short = re.sub(r"^(.{60}).*$", r"\1…", q)
        print(f"STATEMENT|{i + 1}|{short}|{calls / (fetches + 1):.2f}|{total / calls * 1000:.0f}|{under}", flush=True)
    result("statements_per_fetch", total_calls / (fetches + 1), "statements/fetch", fetches, 2)
    result("statements_server_time_per_fetch", total_time / (fetches + 1) * 1000, "us/fetch (sum of mean execution times)", fetches, 0)

def decode_strace(text):
    """strace -xx string ("\\x50\\x00…") to bytes."""
    return bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-f]{2})", text))

def messages(data):
    """Frontend messages: (type, payload)."""
    out, i = [], 0
    while i + 5 <= len(data):
        kind, length = chr(data[i]), int.from_bytes(data[i + 1:i + 5], "big")
        out.append((kind, data[i + 5:i + 1 + length]))
        i += 1 + length
    return out

def timeline(schema, fetches):
    """One process, one thread: per fetch, BEGIN to the lock's answer, the lock held (its answer to
    COMMIT's answer), and COMMIT's round trip; plus the parse/bind of each statement of one fetch."""
    out = f"{WORK}/strace-t.txt"
    subprocess.run(["strace", "--seccomp-bpf", "-f", "-ttt", "-T", "-xx", "-s", "4096", "-e", "trace=sendto,recvfrom", "-o", out,
                    BENCH, "fetch-open", vault_uri(schema), KEY, "1", str(fetches)], check=True, stdout=subprocess.DEVNULL, timeout=600)
    events = []  # (time sent or answered, "send"/"recv", query or None, payload messages)
    parses = {}  # a statement prepared on the server (a named Parse): its Parse message, by name
    pattern = re.compile(r"^\d+\s+([0-9.]+) (sendto|recvfrom)\(\d+, \"((?:\\x[0-9a-f]{2})*)\"(?:\.\.\.)?, .*<([0-9.]+)>$")
    for line in open(out):
        m = pattern.match(line.strip())
        if not m:
            continue
        start, call, data, duration = float(m.group(1)), m.group(2), decode_strace(m.group(3)), float(m.group(4))
        if call == "sendto":
            msgs = messages(data)
            for k, p in msgs:
                if k == "P" and p.split(b"\0")[0]:
                    parses[p.split(b"\0")[0]] = p
            # A prepared statement's run names it in its Bind: the Parse sent earlier stands in.
            bind = next((p for k, p in msgs if k == "B"), None)
            if bind is not None and not any(k == "P" for k, _ in msgs) and bind.split(b"\0")[1] in parses:
                msgs = [("P", parses[bind.split(b"\0")[1]])] + msgs
            query = next((p.split(b"\0")[1].decode() for k, p in msgs if k == "P"), None)
            # A simple-protocol Query (several statements in one message: BEGIN; SET …; the lock).
            query = next((p.split(b"\0")[0].decode() for k, p in msgs if k == "Q"), query)
            events.append((start, "send", query, msgs))
        else:
            events.append((start + duration, "recv", None, None))
    transactions, current = [], None
    for i, (t, kind, query, msgs) in enumerate(events):
        if kind != "send" or query is None:
            continue
        answered = next((e[0] for e in events[i + 1:] if e[1] == "recv"), None)
        if query.startswith(BEGIN_RW):
            current = {"begin": t, "sends": []}
        if current is not None:
            current["sends"].append((query, msgs))
            if LOCK in query:
                current["locked"], current["lock_send"] = answered, len(current["sends"])
            if query == "COMMIT":
                current["commit_sent"], current["end"] = t, answered
                transactions.append(current)
                current = None
    transactions = [x for x in transactions[2:] if "locked" in x and x["end"]]  # past the warm-up
    cycles = [b["begin"] - a["begin"] for a, b in zip(transactions, transactions[1:])]
    before = [x["locked"] - x["begin"] for x in transactions]
    held = [x["end"] - x["locked"] for x in transactions]
    commit = [x["end"] - x["commit_sent"] for x in transactions]
    n = len(transactions)
    result("timeline_cycle", statistics.median(cycles) * 1e6, "us (BEGIN to next BEGIN, under strace)", n, 0)
    result("timeline_to_lock", statistics.median(before) * 1e6, "us (BEGIN sent to the lock's answer)", n, 0)
    result("timeline_held", statistics.median(held) * 1e6, "us (the lock's answer to COMMIT's answer)", n, 0)
    result("timeline_commit", statistics.median(commit) * 1e6, "us (COMMIT's round trip: WAL flush)", n, 0)
    result("timeline_held_share", statistics.median(h / c for h, c in zip(held, cycles)), "of the cycle", n, 2)
    result("timeline_sends_per_fetch", statistics.median(len(x["sends"]) for x in transactions), "round trips, BEGIN to COMMIT", n, 0)
    result("timeline_sends_held", statistics.median(len(x["sends"]) - x["lock_send"] for x in transactions), "round trips after the lock's", n, 0)
    return transactions[len(transactions) // 2]["sends"]

def profile(schema, seconds):
    """Where a PostgreSQL backend's CPU goes while it serves one fetch-open thread: perf samples
    (cpu-clock) of that backend, inclusive shares of PostgreSQL's own functions."""
    proc = subprocess.Popen([BENCH, "fetch-open", vault_uri(schema), KEY, "1", "100000000"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=dies_with_us)
    data = f"{WORK}/perf.data"
    try:
        time.sleep(2)
        backend = int(super_sql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'tokenvault_test' "
                                "AND pid <> pg_backend_pid() AND application_name <> 'psql' ORDER BY backend_start DESC LIMIT 1").strip())
        n0, b0 = appended([schema]), proc_ticks(backend)
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "-g", "-p", str(backend), "-o", data, "--", "sleep", str(seconds)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 60)
        n1, b1 = appended([schema]), proc_ticks(backend)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    fetches = n1 - n0
    result("profile_backend_cpu", (b1 - b0) / TICKS / fetches * 1e6, "us/fetch (the one backend)", fetches, 0)
    report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--children", "--sort", "sym", "-g", "none"],
                            check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120).stdout
    shares = {}
    for line in report.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+[0-9.]+%\s+\[(.)\]\s+(\S+)", line)
        if m and m.group(3) not in shares:
            shares[m.group(3)] = float(m.group(1))
    for name, symbol in (("parse", "pg_parse_query"), ("analyze", "pg_analyze_and_rewrite_varparams"), ("plan", "pg_plan_queries"),
                         ("execute", "standard_ExecutorRun"), ("commit", "CommitTransactionCommand"), ("wal_flush", "XLogFlush"),
                         ("kernel", "entry_SYSCALL_64_after_hwframe"), ("send", "__send")):
        result(f"profile_{name}", shares.get(symbol, 0.0), f"% of the backend's samples ({symbol}, inclusive)", fetches)

# --- part 4: pgbench of the same statements ----------------------------------------------------
def literal(value, oid, fmt):
    if value is None:
        return "NULL"
    if fmt == 1:
        if oid in (20, 21, 23):
            return str(int.from_bytes(value, "big", signed=True))
        if oid == 17:
            return f"'\\x{value.hex()}'::bytea"
        if oid == 16:
            return "true" if value[0] else "false"
        if oid in (25, 1043, 0):
            text = value.decode()
        else:
            raise ValueError(f"binary parameter of type {oid}")
    else:
        text = value.decode()
        if oid in (20, 21, 23):
            return str(int(text))
    return "'" + text.replace("'", "''") + "'"

def bound(msgs):
    """The query with its parameters written as literals, from one Parse and one Bind."""
    parse = next(p for k, p in msgs if k == "P")
    name_end = parse.index(b"\0")
    query_end = parse.index(b"\0", name_end + 1)
    query = parse[name_end + 1:query_end].decode()
    rest = parse[query_end + 1:]
    count = int.from_bytes(rest[:2], "big")
    oids = [int.from_bytes(rest[2 + 4 * i:6 + 4 * i], "big") for i in range(count)]
    bind = next(p for k, p in msgs if k == "B")
    i = bind.index(b"\0") + 1
    i = bind.index(b"\0", i) + 1
    nformats = int.from_bytes(bind[i:i + 2], "big"); i += 2
    formats = [int.from_bytes(bind[i + 2 * j:i + 2 * j + 2], "big") for j in range(nformats)]; i += 2 * nformats
    nvalues = int.from_bytes(bind[i:i + 2], "big"); i += 2
    values = []
    for j in range(nvalues):
        length = int.from_bytes(bind[i:i + 4], "big", signed=True); i += 4
        values.append(None if length < 0 else bind[i:i + length]); i += max(length, 0)
    fmt = lambda j: formats[j] if nformats > 1 else (formats[0] if nformats == 1 else 0)
    lits = [literal(v, oids[j] if j < len(oids) else 0, fmt(j)) for j, v in enumerate(values)]
    return re.sub(r"\$(\d+)\b", lambda m: lits[int(m.group(1)) - 1], query), query, lits

def pgbench_scripts(sends, directory):
    """fetch.sql (the fetch's statements, in its order), rowlock.sql (SELECT … FOR UPDATE on vault_meta
    instead of the advisory lock) and pipelined.sql (the same statements in 4 round trips)."""
    lines = {}  # the first words of the library's statement -> pgbench lines
    order = []
    for query, msgs in sends:
        if any(k == "Q" for k, _ in msgs):  # statements without parameters, in one message
            for statement in (part.strip() for part in query.split(";") if part.strip()):
                lines[statement] = [statement + ";"]
                order.append(statement)
            continue
        sql, original, lits = bound(msgs)
        if original.startswith("SELECT seq, hash FROM audit_events"):
            lines[original] = [sql + " \\gset head_"]
        elif original.startswith("INSERT INTO audit_events"):
            lits[0] = ":next"  # the seq after the head's, as the library computes it
            lines[original] = ["\\set next :head_seq + 1", re.sub(r"\$(\d+)\b", lambda m: lits[int(m.group(1)) - 1], original) + ";"]
        else:
            lines[original] = [sql + ";"]
        order.append(original)
    fetch = [l for q in order for l in lines[q]]
    open(f"{directory}/fetch.sql", "w").write("\n".join(fetch) + "\n")
    rowlock = [re.sub(r"^SELECT pg_advisory_xact_lock\(.*\);$", "SELECT 1 FROM vault_meta FOR UPDATE;", l) for l in fetch]
    open(f"{directory}/rowlock.sql", "w").write("\n".join(rowlock) + "\n")
    # 4 round trips: [BEGIN … the credential's row] | the version | the head (pgbench refuses \gset in a
    # pipeline; the library could read it in the first) | [UPDATE, INSERT, RELEASE, COMMIT]
    find = lambda piece: next(q for q in order if q.startswith(piece))
    version, head = find("SELECT credential_id, version"), find("SELECT seq, hash FROM audit_events")
    first = order[:order.index(version)]
    last = [q for q in order[order.index(version) + 1:] if q != head]
    insert = find("INSERT INTO audit_events")
    piped = ["\\startpipeline"] + [l for q in first for l in lines[q]] + ["\\endpipeline"] + lines[version] + lines[head]
    piped += [lines[insert][0], "\\startpipeline"] + [l for q in last for l in lines[q] if not l.startswith("\\set")] + ["\\endpipeline"]
    open(f"{directory}/pipelined.sql", "w").write("\n".join(piped) + "\n")

def pgbench(prefix, script, mode, clients, seconds, schema):
    argv = ["pgbench", "-n", "-r", "-M", mode, "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), "-f", script, vault_uri(schema)]
    c0 = cluster_ticks()
    run = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=seconds + 120)
    time.sleep(1)  # the backends exit after pgbench does: their CPU is the postmaster's once it reaped them
    c1 = cluster_ticks()
    out = run.stdout
    if run.returncode != 0 or "aborted" in out:
        sys.exit(f"bench-postgres: pgbench {prefix} failed:\n{out}")
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    done = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    result(f"{prefix}_tps", tps, "fetches/s", done, 0)
    result(f"{prefix}_postgres_cpu", (c1 - c0) / TICKS / done * 1e6, "us/fetch (PostgreSQL cluster)", done)
    latencies = [(float(m.group(1)), m.group(2)) for m in re.finditer(r"^\s+([0-9.]+)\s+\d+\s+(.*)$", out, re.M)]
    for ms, statement in latencies:
        print(f"LATENCY|{prefix}|{ms * 1000:.0f} us|{statement[:70]}", file=sys.stderr)
    if latencies:
        locked = False
        held = 0.0
        for ms, statement in latencies:
            if locked:
                held += ms
            if LOCK in statement or "FOR UPDATE" in statement:
                locked = True
        result(f"{prefix}_latency_sum", sum(ms for ms, _ in latencies) * 1000, "us (pgbench -r, all statements)", done, 0)
        result(f"{prefix}_latency_held", held * 1000, "us (pgbench -r, statements after the lock)", done, 0)

if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "service":
        prefix, socks, pids, clients, seconds, engine = args
        service(prefix, socks.split(","), [int(p) for p in pids.split(",")], int(clients), int(seconds), engine == "pg")
    elif command == "window":
        prefix, vaults, threads, warmup, seconds = args
        window(prefix, vaults.split(","), int(threads), float(warmup), float(seconds))
    elif command == "roundtrips":
        schema, fetches, directory = args
        strace_counts(schema, int(fetches))
        statement_table(schema, int(fetches))
        sends = timeline(schema, int(fetches))
        pgbench_scripts(sends, directory)
    elif command == "profile":
        profile(args[0], int(args[1]))
    elif command == "pgbench":
        prefix, script, mode, clients, seconds, schema = args
        pgbench(prefix, script, mode, int(clients), int(seconds), schema)
PY
export BP_WORK="$work" BP_CLUSTER="$cluster" BP_URL="$url" BP_PORT="$port" BP_BENCH="$bench" BP_CLIENT="$client"
export BP_KEY="$key" BP_TOKEN="$token" BP_BODY="$body" BP_PGBIN="$pgbin"
measure() { python3 "$helper" "$@" | tee -a "$results" >&2; }

# --- 1. the service: 1 and 2 instances on one PostgreSQL vault, 1 on a SQLite vault -----------
server_pid=""
start_server() {  # SOCKET VAULT: tokenvault serve, default 32 workers, no rate limit; sets server_pid
    local sock="$1" vault="$2" i
    TOKENVAULT_PATH="$vault" TOKENVAULT_KEY_FILE="$key" "$tokenvault" serve --socket "$sock" --rate-limit 0 2>>"$work/serve.log" &
    server_pid=$!
    pids+=("$server_pid")
    for ((i = 0; i < 300; i++)); do
        kill -0 "$server_pid" 2>/dev/null || { echo "bench-postgres: the server exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
        if [ -S "$sock" ] && "$client" get "$sock" /v1/health >/dev/null 2>&1; then
            "$client" once "$sock" "$body" | grep -qx "$token" || { echo "bench-postgres: $sock did not return the token" >&2; exit 1; }
            return 0
        fi
        sleep 0.1
    done
    echo "bench-postgres: the server on $sock did not answer within 30 s" >&2
    exit 1
}
if [ "$do_service" = 1 ]; then
    load_average service
    start_server "$work/pg-a.sock" "$(pg_vault served)"; pid_a="$server_pid"
    start_server "$work/pg-b.sock" "$(pg_vault served)"; pid_b="$server_pid"
    start_server "$work/sqlite.sock" "$work/served.db"; pid_s="$server_pid"
    runs=("pg1 $work/pg-a.sock $pid_a pg" "pg2 $work/pg-a.sock,$work/pg-b.sock $pid_a,$pid_b pg" "sqlite $work/sqlite.sock $pid_s sqlite")
    echo "== 1. 32 clients: 1 instance on PostgreSQL, 2 instances on the same vault, 1 on SQLite; $pairs rotations of $seconds s runs" >&2
    for ((p = 0; p < pairs; p++)); do
        for ((r = 0; r < 3; r++)); do
            read -r name socks spids engine <<<"${runs[$(((p + r) % 3))]}"
            measure service "svc_$name" "$socks" "$spids" 32 "$seconds" "$engine"
        done
    done
    for pid in "$pid_a" "$pid_b" "$pid_s"; do stop_pid "$pid"; done
    load_average service_end
fi

# --- 2. the library: threads in one process; processes on one vault or on one vault each -------
if [ "$do_library" = 1 ]; then
    load_average library
    echo "== 2. fetch-open, ${window} s windows, $passes passes: threads 1/2/4/8 (PostgreSQL, SQLite); processes 2/4/8 (one vault, own vaults)" >&2
    for ((p = 0; p < passes; p++)); do
        for t in 1 2 4 8; do
            if ((p % 2 == 0)); then
                measure window "lib_pg_${t}t" lib "$t" 2 "$window"
                measure window "lib_sqlite_${t}t" "$work/lib.db" "$t" 1 "$window"
            else
                measure window "lib_sqlite_${t}t" "$work/lib.db" "$t" 1 "$window"
                measure window "lib_pg_${t}t" lib "$t" 2 "$window"
            fi
        done
        for n in 2 4 8; do
            shared=lib
            for ((i = 1; i < n; i++)); do shared+=",lib"; done
            own="$(seq -s, -f 'own%.0f' 1 "$n")"
            if ((p % 2 == 0)); then
                measure window "proc_shared_${n}p" "$shared" 1 2 "$window"
                measure window "proc_own_${n}p" "$own" 1 2 "$window"
            else
                measure window "proc_own_${n}p" "$own" 1 2 "$window"
                measure window "proc_shared_${n}p" "$shared" 1 2 "$window"
            fi
        done
    done
    load_average library_end
fi

# --- 3. round trips and the lock's share of a fetch -----------------------------------------
if [ "$use_strace" = 1 ]; then
    load_average roundtrips
    echo "== 3. round trips (strace -c, 300 fetches minus 0), statements (pg_stat_statements), timeline (strace -ttt)" >&2
    measure roundtrips pgb 300 "$work"
else
    echo "== 3. SKIPPED: no strace" >&2
fi
if command -v perf >/dev/null && perf record -q -e cpu-clock -o "$work/perf-probe.data" -- true >/dev/null 2>&1; then
    echo "== 3. perf: where the backend's CPU goes, one fetch-open thread, ${window} s" >&2
    measure profile pgb "$window"
else
    echo "== 3. perf: SKIPPED (no perf, or it cannot sample here)" >&2
fi

# --- 4. pgbench: the same statements, simple / extended / prepared; row lock; pipelined --------
if [ "$use_pgbench" = 1 ]; then
    load_average pgbench
    echo "== 4. pgbench on the fetch's statements, ${pgbench_seconds} s runs, $pgbench_rounds rounds; its scripts (lines cut at 110 characters):" >&2
    for script in fetch pipelined; do echo "-- $script.sql" >&2; cut -c1-110 "$work/$script.sql" >&2; done
    for ((r = 0; r < pgbench_rounds; r++)); do
        modes=(simple extended prepared)
        for ((m = 0; m < 3; m++)); do
            mode="${modes[$(((r + m) % 3))]}"
            measure pgbench "pgb_${mode}_1c" "$work/fetch.sql" "$mode" 1 "$pgbench_seconds" pgb
        done
        measure pgbench "pgb_pipelined_1c" "$work/pipelined.sql" extended 1 "$pgbench_seconds" pgb
        if ((r % 2 == 0)); then
            measure pgbench "pgb_advisory_8c" "$work/fetch.sql" extended 8 "$pgbench_seconds" pgb
            measure pgbench "pgb_rowlock_8c" "$work/rowlock.sql" extended 8 "$pgbench_seconds" pgb
        else
            measure pgbench "pgb_rowlock_8c" "$work/rowlock.sql" extended 8 "$pgbench_seconds" pgb
            measure pgbench "pgb_advisory_8c" "$work/fetch.sql" extended 8 "$pgbench_seconds" pgb
        fi
    done
    load_average pgbench_end
fi

# --- 5. this build against --before DIR ----------------------------------------------------------
if [ -n "$before" ]; then
    load_average compare
    echo "== 5. this build against $before: fetch-open 1 and 8 threads, serve with 32 clients; $((2 * pairs)) alternations" >&2
    start_server "$work/cmp-after.sock" "$(pg_vault served)"; pid_after="$server_pid"
    tokenvault="$before/tokenvault" start_server "$work/cmp-before.sock" "$(pg_vault served)"; pid_before="$server_pid"
    for ((p = 0; p < 2 * pairs; p++)); do
        for side in after before; do
            if ((p % 2 == 1)); then side=$([ "$side" = after ] && echo before || echo after); fi
            built="$bench"
            [ "$side" = before ] && built="$before/TokenVaultBench"
            BP_BENCH="$built" measure window "cmp_${side}_1t" lib 1 2 "$window"
            BP_BENCH="$built" measure window "cmp_${side}_8t" lib 8 2 "$window"
            spid="$pid_after"
            [ "$side" = before ] && spid="$pid_before"
            measure service "cmp_${side}_svc" "$work/cmp-$side.sock" "$spid" 32 "$seconds" pg
        done
    done
    stop_pid "$pid_after"
    stop_pid "$pid_before"
    load_average compare_end
fi

# --- the figures -----------------------------------------------------------------------------
echo >&2
python3 - "$results" <<'PY'
import statistics, sys
values, statements = {}, []
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("|")
    if parts[0] == "RESULT" and len(parts) >= 5:
        values.setdefault(parts[1], []).append(float(parts[2]))
    elif parts[0] == "STATEMENT":
        statements.append(parts[1:])
def v(name):
    return statistics.median(values[name]) if values.get(name) else None
def f(x, d=0):
    return "-" if x is None else f"{x:,.{d}f}"
def all_of(name, d=0):
    return " · ".join(f(x, d) for x in values.get(name, [])) or "-"
if v("svc_pg1_rate"):
    print("\n1. Service, 32 client processes (median of the runs; every run after ·)\n")
    print("| | fetches/s | p50 / p99 µs | group (fetches/commit) | serve CPU µs/fetch | PostgreSQL CPU µs/fetch | lock statement µs |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, what in (("pg1", "1 instance, PostgreSQL"), ("pg2", "2 instances, same PostgreSQL vault"), ("sqlite", "1 instance, SQLite FULL")):
        p = f"svc_{name}"
        print(f"| {what} | {f(v(p + '_rate'))} ({all_of(p + '_rate')}) | {f(v(p + '_p50'))} / {f(v(p + '_p99'))} | {f(v(p + '_group_size'), 2)} "
              f"| {f(v(p + '_serve_cpu'))} | {f(v(p + '_postgres_cpu'))} | {f(v(p + '_lock_statement'))} |")
    if v("svc_pg2_rate") and v("svc_sqlite_rate"):
        print(f"\n2 instances / 1 instance: {v('svc_pg2_rate') / v('svc_pg1_rate'):.2f}×; SQLite / PostgreSQL 1 instance: "
              f"{v('svc_sqlite_rate') / v('svc_pg1_rate'):.2f}×; SQLite / PostgreSQL 2 instances: {v('svc_sqlite_rate') / v('svc_pg2_rate'):.2f}×")
if v("lib_pg_1t_rate"):
    print("\n2. Library (fetch-open), fetches/s counted by the server over the window\n")
    print("| | fetches/s | client CPU µs/fetch | PostgreSQL CPU µs/fetch | group | lock statement µs |")
    print("|---|---:|---:|---:|---:|---:|")
    names = [(f"lib_pg_{t}t", f"PostgreSQL, 1 process, {t} thread(s)") for t in (1, 2, 4, 8)]
    names += [(f"lib_sqlite_{t}t", f"SQLite FULL, 1 process, {t} thread(s)") for t in (1, 2, 4, 8)]
    names += [(f"proc_{k}_{n}p", f"PostgreSQL, {n} processes, {'one vault (shared lock)' if k == 'shared' else 'a vault each'}")
              for n in (2, 4, 8) for k in ("shared", "own")]
    for p, what in names:
        if v(p + "_rate"):
            print(f"| {what} | {f(v(p + '_rate'))} ({all_of(p + '_rate')}) | {f(v(p + '_client_cpu'))} | {f(v(p + '_postgres_cpu'))} "
                  f"| {f(v(p + '_pg_group_size'), 2)} | {f(v(p + '_lock_statement'))} |")
if statements:
    print("\n3. The statements of one fetch (1 thread; pg_stat_statements)\n")
    print("| # | statement | per fetch | mean server µs | the writer lock |")
    print("|---:|---|---:|---:|---|")
    for row in statements:
        print("| " + " | ".join(row) + " |")
    for name in ("strace_sendto_per_fetch", "strace_recvfrom_per_fetch", "statements_per_fetch", "statements_server_time_per_fetch",
                 "timeline_cycle", "timeline_to_lock", "timeline_held", "timeline_commit", "timeline_held_share",
                 "timeline_sends_per_fetch", "timeline_sends_held"):
        if v(name) is not None:
            print(f"- {name}: {f(v(name), 2)}")
if v("profile_backend_cpu"):
    print("\n3b. The backend's CPU, one fetch-open thread (perf, cpu-clock, inclusive shares)\n")
    print(f"- backend CPU per fetch: {f(v('profile_backend_cpu'))} µs")
    for name in ("parse", "analyze", "plan", "execute", "commit", "wal_flush", "kernel", "send"):
        print(f"- {name}: {f(v('profile_' + name), 1)}%")
if v("cmp_after_1t_rate") and v("cmp_before_1t_rate"):
    print("\n5. This build against --before (median of the alternations; every run after ·)\n")
    print("| | before fetches/s | this build fetches/s | ratio | PostgreSQL CPU µs/fetch before / this build |")
    print("|---|---:|---:|---:|---:|")
    for p, what in (("1t_rate", "library, 1 thread"), ("8t_rate", "library, 8 threads"), ("svc_rate", "serve, 32 clients")):
        b, a = v("cmp_before_" + p), v("cmp_after_" + p)
        cpu = p.replace("_rate", "_postgres_cpu")
        if a and b:
            print(f"| {what} | {f(b)} ({all_of('cmp_before_' + p)}) | {f(a)} ({all_of('cmp_after_' + p)}) | {a / b:.2f}× "
                  f"| {f(v('cmp_before_' + cpu))} / {f(v('cmp_after_' + cpu))} |")
conditions = [(k[len("load_average_"):], x[0]) for k, x in values.items() if k.startswith("load_average_")]
if conditions:
    print("\nConditions: " + "; ".join(f"{when}: load {load:.2f}, fdatasync of 12 KiB median {f(v(f'fdatasync_{when}_median'))} µs "
                                        f"(p90 {f(v(f'fdatasync_{when}_p90'))})" for when, load in conditions))
if v("pgb_extended_1c_tps"):
    print("\n4. pgbench on the fetch's statements (median of rounds)\n")
    print("| | fetches/s | PostgreSQL CPU µs/fetch | pgbench -r: all statements µs | after the lock µs |")
    print("|---|---:|---:|---:|---:|")
    for p, what in (("pgb_simple_1c", "1 client, -M simple"), ("pgb_extended_1c", "1 client, -M extended (as the library)"),
                    ("pgb_prepared_1c", "1 client, -M prepared"), ("pgb_pipelined_1c", "1 client, 4 round trips (pipelines), extended"),
                    ("pgb_advisory_8c", "8 clients, advisory lock, extended"), ("pgb_rowlock_8c", "8 clients, row lock, extended")):
        if v(p + "_tps"):
            print(f"| {what} | {f(v(p + '_tps'))} ({all_of(p + '_tps')}) | {f(v(p + '_postgres_cpu'))} | {f(v(p + '_latency_sum'))} | {f(v(p + '_latency_held'))} |")
PY
echo >&2
echo "== every RESULT line" >&2
cat "$results" >&2
