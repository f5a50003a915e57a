#!/usr/bin/env bash
# `tokenvault serve` measured: a fetch over the Unix socket against the library's
# fetch, concurrent client processes against one, the CLI as a client against pass and gopass,
# latency under 64 clients, and the server's memory with 1,000 idle connections. Release build;
# every figure is meant to be read as a ratio to another figure of the same run (the machine
# is shared and noisy). No test ever depends on these numbers.
#
#   bash scripts/bench-serve.sh                 the full run (2 to 3 minutes on 2 cores)
#   bash scripts/bench-serve.sh --quick         short rounds and runs, no strace (about 1 minute)
#   bash scripts/bench-serve.sh --callgrind 2000
#                                               also instructions per fetch, under valgrind's
#                                               callgrind: the server process answering 2,000
#                                               fetches minus the same answering none, against the
#                                               library's fetch counted the same way (a minute more)
#   --callgrind-out DIR                         keep the four callgrind files there (for callgrind_annotate)
#   --bin DIR                                   use the tokenvault and TokenVaultBench in DIR (another
#                                               build, e.g. --scratch-path .build-x) instead of building
#   --no-peers                                  skip pass and gopass (and their installation)
#   --no-strace                                 skip the fdatasync timing of the server under strace
#
# The client is C (scripts/bench-serve-client.c, compiled here with cc -O2): one connection
# kept alive per client process, requests written whole, answers read by Content-Length, every
# answer checked to be 200. What each part does:
#
#  1. `seq`: one client, one connection, N sequential POST /v1/fetch; alternated, round by round,
#     with TokenVaultBench fetch-open (the library, one thread) on a second vault made by the
#     same CLI commands. Both FULL (an fsync per commit). Ratio of the medians of the rounds.
#  2. `load`: 1 client process, then 32 (fork, started together, back to back for S seconds),
#     in alternating pairs; fetches/s, the mean commit group size from /metrics
#     (tokenvault_commit_writes_total / tokenvault_commit_groups_total over the run), the server's
#     CPU per fetch (/proc/PID/stat), the clients' CPU per fetch, an fdatasync probe in the
#     vault's folder, and (full run) the server's own fdatasync calls under strace. Also the
#     library with 32 threads for reference.
#  3. `tokenvault get` through the service (when this build's `get` knows --server, or honours
#     TOKENVAULT_ADDR), the embedded `tokenvault get`, `pass show`, `gopass show`, the C client
#     fetching once (one process, one connection, one fetch: the floor of a process per secret
#     through the service) and `tokenvault --version` (the floor of a CLI process); interleaved
#     runs, process start to exit. Skipped as a whole with --no-peers.
#  4. `load` with 64 clients: p50 and p99 latency (the server runs its default 32 workers).
#  5. A fresh server with --max-connections 1100: VmRSS before and with 1,000 idle kept-alive
#     connections (each answered one GET /v1/health first).
#
# Everything lives in one mktemp -d (vaults, sockets, GNUPGHOME with a throwaway key without
# passphrase, the pass and gopass stores) removed on exit; every process started here is
# stopped by its process id (servers by SIGTERM, then SIGKILL after 15 s), the gpg-agent
# started for that GNUPGHOME is killed. Only Unix sockets are used. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0 peers=1 use_strace=1 callgrind=0 bin="" callgrind_out=""
while [ "$#" -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --no-peers) peers=0 ;;
        --no-strace) use_strace=0 ;;
        --callgrind-out)
            [ "$#" -ge 2 ] && mkdir -p "$2" || { echo "bench-serve: --callgrind-out needs a folder" >&2; exit 2; }
            callgrind_out="$(realpath "$2")"; shift ;;
        --bin)
            [ "$#" -ge 2 ] && [ -x "$2/tokenvault" ] && [ -x "$2/TokenVaultBench" ] || { echo "bench-serve: --bin needs a folder with tokenvault and TokenVaultBench" >&2; exit 2; }
            bin="$(realpath "$2")"; shift ;;
        --callgrind)
            [ "$#" -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] || { echo "bench-serve: --callgrind needs a number of fetches" >&2; exit 2; }
            callgrind="$2"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-serve: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$quick" = 1 ]; then
    rounds=3 per_round=300 seconds=3 pairs=1 peer_runs=20 peer_warmup=2 fsync_probes=100 lib_threads_rounds=1 use_strace=0
else
    rounds=7 per_round=1000 seconds=10 pairs=3 peer_runs=100 peer_warmup=5 fsync_probes=500 lib_threads_rounds=3
fi
idle_connections=1000

for tool in cc python3 swift; do
    command -v "$tool" >/dev/null || { echo "bench-serve: $tool is needed" >&2; exit 1; }
done
if [ "$callgrind" -gt 0 ] && ! command -v valgrind >/dev/null; then echo "bench-serve: --callgrind needs valgrind" >&2; exit 1; fi
if [ "$use_strace" = 1 ] && ! command -v strace >/dev/null; then use_strace=0; fi
if [ "$peers" = 1 ]; then
    missing=()
    command -v gpg >/dev/null || missing+=(gnupg)
    command -v pass >/dev/null || missing+=(pass)
    command -v gopass >/dev/null || missing+=(gopass)
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "bench-serve: missing ${missing[*]} (apt-get install ${missing[*]}, or --no-peers)" >&2
            exit 1
        fi
        echo "== installing ${missing[*]}" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
fi

# --- build (before HOME moves, so SwiftPM keeps its caches) ------------------------------
if [ -z "$bin" ]; then
    echo "== release build" >&2
    swift build -c release --product tokenvault >&2
    swift build -c release --product TokenVaultBench >&2
    bin="$(swift build -c release --show-bin-path)"
fi
tokenvault="$bin/tokenvault"
bench="$bin/TokenVaultBench"

# --- one temporary tree; every process started is recorded and stopped -------------------
work="$(mktemp -d)"
# shellcheck source=scripts/bench-processes.sh
. scripts/bench-processes.sh
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    if [ "${GNUPGHOME:-}" = "$work/gnupg" ] && [ -d "$GNUPGHOME" ]; then  # only the agent of our own GNUPGHOME
        gpgconf --kill gpg-agent >/dev/null 2>&1 || true
        gpgconf --remove-socketdir >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
results="$work/results.txt"
: >"$results"
ulimit -n 4096 2>/dev/null || true

echo "== client (cc -O2 scripts/bench-serve-client.c)" >&2
client="$work/bench-serve-client"
cc -O2 -Wall -o "$client" scripts/bench-serve-client.c

# --- vaults: the same CLI commands for the served one and the library's ------------------
token="$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(56)))')"
body='{"name":"erp","project":"shop","resource":"orders","permission":"r"}'
key="$work/vault.key"
"$tokenvault" keygen "$key" >/dev/null
make_vault() {  # PATH: the credential erp (shop:orders:r) and this user as principal `bench`
    local db="$1"
    TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench "$tokenvault" init >/dev/null
    printf '%s' "$token" | TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
        "$tokenvault" add erp --grant shop:orders:r --expires-in 90d >/dev/null
    TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
        "$tokenvault" principal add bench --uid "$(id -u)" --allow 'erp:shop:orders:r' --allow metrics >/dev/null
}
make_vault "$work/served.db"
make_vault "$work/library.db"

server_pid=""
start_server() {  # SOCKET VAULT WAIT_TENTHS [serve options]; sets server_pid. $server_prefix: e.g. valgrind
    local sock="$1" db="$2" tenths="$3" i
    shift 3
    # shellcheck disable=SC2086
    TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" $server_prefix "$tokenvault" serve --socket "$sock" --rate-limit 0 "$@" \
        2>>"$work/serve.log" &
    server_pid=$!
    pids+=("$server_pid")
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$server_pid" 2>/dev/null || { echo "bench-serve: the server exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
        if [ -S "$sock" ] && "$client" get "$sock" /v1/health >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "bench-serve: the server did not answer within $((tenths / 10)) s" >&2
    exit 1
}
server_prefix=""
metric() {  # SOCKET NAME
    "$client" get "$1" /metrics | awk -v name="$2" '$1 == name { print $2 }'
}
cpu_ticks() {  # PID: user and system time of every thread, in clock ticks
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}
ticks_per_second="$(getconf CLK_TCK)"
switches() {  # PID: voluntary context switches of its threads so far (each time one waited)
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}
result() { echo "RESULT|$1|$2|$3|$4" >>"$results"; }

echo "== fdatasync probe in the vaults' folder ($fsync_probes × 12 KiB)" >&2
"$client" fsync "$work" "$fsync_probes" | tee -a "$results" >&2

sock="$work/serve.sock"
start_server "$sock" "$work/served.db" 100
serve_pid="$server_pid"
"$client" once "$sock" "$body" | grep -qx "$token" || { echo "bench-serve: the service did not return the token" >&2; exit 1; }

# --- 1. one fetch over the socket against the library's fetch ----------------------------
echo "== 1. sequential fetches: socket (1 connection) and library (1 thread), FULL, $rounds alternating rounds of $per_round" >&2
for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then
        "$bench" fetch-open "$work/library.db" "$key" 1 "$per_round" | tee -a "$results" >&2
        "$client" seq "$sock" "$body" "$per_round" "$token" | tee -a "$results" >&2
    else
        "$client" seq "$sock" "$body" "$per_round" "$token" | tee -a "$results" >&2
        "$bench" fetch-open "$work/library.db" "$key" 1 "$per_round" | tee -a "$results" >&2
    fi
done

# --- 2. 32 client processes against one ---------------------------------------------------
measure_load() {  # CLIENTS NAME: one load run with the commit groups and CPU it took
    local clients="$1" name="$2" groups0 writes0 groups1 writes1 out user0 sys0 user1 sys1 switches0 switches1
    groups0="$(metric "$sock" tokenvault_commit_groups_total)"; writes0="$(metric "$sock" tokenvault_commit_writes_total)"
    read -r user0 sys0 < <(cpu_ticks "$serve_pid")
    switches0="$(switches "$serve_pid")"
    out="$("$client" load "$sock" "$body" "$clients" "$seconds" "$token" "$name")"
    switches1="$(switches "$serve_pid")"
    read -r user1 sys1 < <(cpu_ticks "$serve_pid")
    groups1="$(metric "$sock" tokenvault_commit_groups_total)"; writes1="$(metric "$sock" tokenvault_commit_writes_total)"
    echo "$out" | tee -a "$results" >&2
    local fetches elapsed
    fetches="$(echo "$out" | awk -F'|' -v n="${name}_rate" '$2 == n { print $5 }')"
    elapsed="$(echo "$out" | awk -F'|' -v n="${name}_seconds" '$2 == n { print $3 }')"
    {
        awk -v w=$((writes1 - writes0)) -v g=$((groups1 - groups0)) -v n="$name" 'BEGIN { if (g > 0) printf "RESULT|%s_group_size|%.2f|writes/commit|%d\n", n, w / g, g }'
        awk -v g=$((groups1 - groups0)) -v s="$elapsed" -v n="$name" 'BEGIN { if (s > 0) printf "RESULT|%s_commits|%.0f|commits/s|%d\n", n, g / s, g }'
        awk -v c=$((switches1 - switches0)) -v f="$fetches" -v n="$name" \
            'BEGIN { if (f > 0) printf "RESULT|%s_server_waits|%.1f|context switches/fetch|%d\n", n, c / f, f }'
        awk -v u=$((user1 - user0)) -v s=$((sys1 - sys0)) -v f="$fetches" -v t="$ticks_per_second" -v n="$name" 'BEGIN {
            if (f > 0) {
                printf "RESULT|%s_server_cpu|%.1f|us/fetch|%d\n", n, (u + s) / t / f * 1e6, f
                printf "RESULT|%s_server_cpu_system|%.1f|us/fetch|%d\n", n, s / t / f * 1e6, f
            }
        }'
    } | tee -a "$results" >&2
}
echo "== 2. 1 client, then 32 client processes, $seconds s each, $pairs pairs" >&2
for ((p = 0; p < pairs; p++)); do
    measure_load 1 c1
    measure_load 32 c32
done
echo "== 2. the library, 32 threads on one Vault (reference)" >&2
"$bench" fetch-open "$work/library.db" "$key" "$lib_threads_rounds" 4000 32 | tee -a "$results" >&2

if [ "$use_strace" = 1 ]; then
    echo "== 2. the server's fdatasync calls under strace, 32 clients (strace slows the server: durations only)" >&2
    "$client" load "$sock" "$body" 32 6 "$token" strace32 >/dev/null &
    load_pid=$!
    pids+=("$load_pid")
    sleep 1
    timeout -s INT 3 strace -f -qq -T -e trace=fdatasync,fsync -p "$serve_pid" -o "$work/strace.txt" 2>/dev/null || true
    wait "$load_pid" || true
    forget_pid "$load_pid"
    python3 - "$work/strace.txt" >>"$results" <<'PY' || true
import re, statistics, sys
# "PID fdatasync(5) = 0 <0.000198>", or the same split into "<unfinished ...>" and "<... fdatasync resumed>"
times = sorted(float(m.group(1)) * 1e6 for line in open(sys.argv[1]) if re.search(r"\bf(data)?sync\b", line)
               for m in [re.search(r"<([0-9.]+)>\s*$", line)] if m)
if times:
    print(f"RESULT|strace_fdatasync_median|{statistics.median(times):.0f}|us|{len(times)}")
    print(f"RESULT|strace_fdatasync_p90|{times[int(0.9 * (len(times) - 1))]:.0f}|us|{len(times)}")
PY
    grep '^RESULT|strace' "$results" >&2 || true
fi

# --- 4. 64 clients: latency -----------------------------------------------------------------
echo "== 4. 64 client processes, $seconds s" >&2
measure_load 64 c64

# --- 3. the CLI through the service, against pass, gopass and the embedded CLI -------------
service_get=0  # 1: get --server SOCKET, 2: TOKENVAULT_ADDR=SOCKET
if "$tokenvault" get --help 2>&1 | grep -q -- --server; then
    service_get=1
fi
if [ "$peers" = 1 ]; then
    echo "== 3. GPG key, pass and gopass stores" >&2
    export GNUPGHOME="$work/gnupg"
    mkdir -m 700 "$GNUPGHOME" "$work/home" "$work/tmp" "$work/bin"
    export HOME="$work/home" TMPDIR="$work/tmp"
    export XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" XDG_CACHE_HOME="$work/home/.cache"
    export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
    export GIT_CONFIG_NOSYSTEM=1
    unset PASSWORD_STORE_DIR TOKENVAULT_PATH TOKENVAULT_KEY_FILE TOKENVAULT_PASSPHRASE_FILE TOKENVAULT_ADDR GPG_AGENT_INFO || true
    gpg --batch --quiet --passphrase '' --quick-gen-key 'bench <bench@example.invalid>' ed25519 sign never 2>/dev/null
    fpr="$(gpg --batch --with-colons --list-keys 'bench@example.invalid' | awk -F: '/^fpr/ { print $10; exit }')"
    gpg --batch --quiet --passphrase '' --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
    gpgconf --launch gpg-agent
    gpg --batch --check-trustdb >/dev/null 2>&1 || true
    PASSWORD_STORE_DIR="$work/pass" pass init "$fpr" >/dev/null
    printf '%s\n' "$token" | PASSWORD_STORE_DIR="$work/pass" pass insert --echo bench/erp >/dev/null
    # Debian's gopass is aviau/gopass 1.5: its insert reads a terminal, or a file $EDITOR writes.
    PASSWORD_STORE_DIR="$work/gopass" gopass init "$fpr" >/dev/null 2>&1
    printf '#!/bin/sh\nprintf "%%s\\n" "$BENCH_TOKEN" >"$1"\n' >"$work/bin/put-token"
    chmod +x "$work/bin/put-token"
    BENCH_TOKEN="$token" EDITOR="$work/bin/put-token" PASSWORD_STORE_DIR="$work/gopass" gopass insert --multiline erp </dev/null >/dev/null 2>&1
    make_vault "$work/cli.db"

    # The CLI as a client: --server in get's help, or else TOKENVAULT_ADDR tried once (counted
    # only when it printed the token and the server's fetch count went up).
    if [ "$service_get" = 0 ]; then
        before="$("$client" get "$sock" /metrics | awk '/route="POST \/v1\/fetch",status="200"/ { print $NF }')"
        printed="$(TOKENVAULT_ADDR="$sock" timeout 10 "$tokenvault" get erp --project shop --resource orders --permission r 2>/dev/null || true)"
        after="$("$client" get "$sock" /metrics | awk '/route="POST \/v1\/fetch",status="200"/ { print $NF }')"
        if [ "$printed" = "$token" ] && [ "${after:-0}" -gt "${before:-0}" ]; then service_get=2; fi
    fi
    if [ "$service_get" = 0 ]; then
        echo "== 3. tokenvault get through the service: SKIPPED (this build's get has no --server and ignores TOKENVAULT_ADDR)" >&2
        result cli_get_service skipped - 0
    fi

    echo "== 3. timing: $peer_runs interleaved runs of each (after $peer_warmup untimed)" >&2
    python3 - "$work" "$tokenvault" "$client" "$sock" "$body" "$token" "$service_get" "$peer_runs" "$peer_warmup" >>"$results" <<'PY'
import os, statistics, subprocess, sys, time
work, tokenvault, client, sock, body, token, service_get, runs, warmup = sys.argv[1:10]
runs, warmup = int(runs), int(warmup)
base = dict(os.environ)
get = ["get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"]
cases = [
    ("pass_show", ["pass", "show", "bench/erp"], dict(base, PASSWORD_STORE_DIR=f"{work}/pass")),
    ("gopass_show", ["gopass", "show", "erp"], dict(base, PASSWORD_STORE_DIR=f"{work}/gopass")),
    ("cli_get_embedded", [tokenvault] + get,
     dict(base, TOKENVAULT_PATH=f"{work}/cli.db", TOKENVAULT_KEY_FILE=f"{work}/vault.key", TOKENVAULT_ACTOR="bench")),
]
if service_get == "1":
    cases.append(("cli_get_service", [tokenvault, "get", "--server", sock] + get[1:], base))
elif service_get == "2":
    cases.append(("cli_get_service", [tokenvault] + get, dict(base, TOKENVAULT_ADDR=sock)))
cases.append(("c_client_once", [client, "once", sock, body], base))
cases.append(("cli_version", [tokenvault, "--version"], base))  # the CLI's floor: start, loader, no vault
for name, argv, env in cases[:-1]:  # each must print exactly the token
    out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30).stdout
    if out.decode().rstrip("\n") != token:
        sys.exit(f"bench-serve: {name} printed {out[:80]!r}, not the token")
def once(argv, env):
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=30)
    return (time.perf_counter() - start) * 1000
for _ in range(warmup):
    for _, argv, env in cases: once(argv, env)
samples = {name: [] for name, *_ in cases}
for _ in range(runs):  # run i of every command before run i+1 of any
    for name, argv, env in cases: samples[name].append(once(argv, env))
for name, *_ in cases:
    s = sorted(samples[name])
    print(f"RESULT|{name}|{statistics.median(s):.2f}|ms|{runs}")
    print(f"RESULT|{name}_p90|{s[int(round(0.9 * (len(s) - 1)))]:.2f}|ms|{runs}")
PY
    grep -E '^RESULT\|(pass_show|gopass_show|cli_get|c_client_once|cli_version)' "$results" >&2 || true
fi

stop_pid "$serve_pid"

# --- 5. memory with 1,000 idle connections ------------------------------------------------
if [ "$(ulimit -n)" -lt $((idle_connections + 100)) ]; then
    echo "== 5. SKIPPED: ulimit -n is $(ulimit -n), under $((idle_connections + 100))" >&2
else
    echo "== 5. a fresh server: VmRSS before and with $idle_connections idle connections" >&2
    sock5="$work/idle.sock"
    start_server "$sock5" "$work/served.db" 100 --max-connections $((idle_connections + 100))
    "$client" once "$sock5" "$body" >/dev/null
    sleep 0.5
    rss_before="$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")"
    "$client" idle "$sock5" "$idle_connections" 60 >"$work/idle.out" &
    idle_pid=$!
    pids+=("$idle_pid")
    for ((i = 0; i < 300; i++)); do grep -q '^ready' "$work/idle.out" 2>/dev/null && break; kill -0 "$idle_pid" 2>/dev/null || break; sleep 0.1; done
    grep -q '^ready' "$work/idle.out" || { echo "bench-serve: the idle client did not get its connections" >&2; exit 1; }
    sleep 0.5
    rss_with="$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")"
    open_connections="$(metric "$sock5" tokenvault_open_connections)"
    stop_pid "$idle_pid"
    sleep 0.5
    rss_after="$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")"
    {
        result rss_before "$rss_before" KiB 1
        result rss_with_idle_connections "$rss_with" KiB "$open_connections"
        result rss_after_closing "$rss_after" KiB 1
        awk -v a="$rss_before" -v b="$rss_with" -v n="$idle_connections" 'BEGIN { printf "RESULT|rss_per_idle_connection|%.1f|KiB|%d\n", (b - a) / n, n }' >>"$results"
    }
    grep '^RESULT|rss' "$results" >&2
    stop_pid "$server_pid"
fi

# --- callgrind: instructions per fetch, server process against library ---------------------
if [ "$callgrind" -gt 0 ]; then
    echo "== callgrind: the server answering $callgrind fetches and none; the library likewise" >&2
    for n in "$callgrind" 0; do
        make_vault "$work/cg-serve-$n.db"
        make_vault "$work/cg-lib-$n.db"
        server_prefix="valgrind --tool=callgrind --trace-children=no --callgrind-out-file=$work/cg-serve-$n.out"
        start_server "$work/cg-$n.sock" "$work/cg-serve-$n.db" 1800
        server_prefix=""
        "$client" seq "$work/cg-$n.sock" "$body" "$n" "$token" >/dev/null  # one warm-up fetch, then n
        stop_pid "$server_pid" 1200  # callgrind writes its counts as the server exits
        valgrind --tool=callgrind --callgrind-out-file="$work/cg-lib-$n.out" "$bench" fetch-open "$work/cg-lib-$n.db" "$key" 1 "$n" \
            >/dev/null 2>&1
    done
    # Per fetch: (the run with N fetches - the run with none) / N, for the whole process and, from
    # callgrind_annotate's inclusive counts, for the parts of the server (Swift symbols matched by
    # a piece of their mangled names; the largest matching line of each).
    for f in "$work"/cg-serve-*.out; do callgrind_annotate --inclusive=yes --threshold=100 "$f" >"$f.txt" 2>/dev/null || true; done
    python3 - "$callgrind" "$work" >>"$results" <<'PY'
import re, sys
n, work = int(sys.argv[1]), sys.argv[2]
def total(path):
    for line in open(path):
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    sys.exit(f"bench-serve: no totals in {path}")
serve = (total(f"{work}/cg-serve-{n}.out") - total(f"{work}/cg-serve-0.out")) / n
library = (total(f"{work}/cg-lib-{n}.out") - total(f"{work}/cg-lib-0.out")) / n
print(f"RESULT|callgrind_serve_per_fetch|{serve:.0f}|instructions|{n}")
print(f"RESULT|callgrind_library_per_fetch|{library:.0f}|instructions|{n}")
print(f"RESULT|callgrind_serve_setup|{total(f'{work}/cg-serve-0.out')}|instructions|1")
parts = [
    ("worker_serve", "6WorkerV5serve"),                      # a worker: the handler and writing the answer
    ("handler", "0bC0C7respond2to4from"),                    # VaultService.respond: the API
    ("vault_fetch", "0B0C5fetch_4need7version3for"),         # Vault.fetch, as in the library
    ("authenticate", "0B0C12authenticate4peer6bearer"),      # Vault.authenticate: the caller's principal
    ("event_loop", "9EventLoopC3run"),                       # the loop thread: poll, accept, read, parse
    ("http_parse", "HTTPRequestParserV4next"),               # parsing the request (in the loop)
    ("sqlite_reprepare", "sqlite3Reprepare"),                # statements compiled again after an expiry
]
def inclusive(path):
    found = {}
    for line in open(path):
        m = re.match(r"\s*([0-9,]+) \(", line)
        if not m:
            continue
        count = int(m.group(1).replace(",", ""))
        for name, piece in parts:
            if piece in line and count > found.get(name, 0):
                found[name] = count
    return found
with_n, with_0 = inclusive(f"{work}/cg-serve-{n}.out.txt"), inclusive(f"{work}/cg-serve-0.out.txt")
for name, _ in parts:
    print(f"RESULT|callgrind_serve_{name}|{(with_n.get(name, 0) - with_0.get(name, 0)) / n:.0f}|instructions/fetch|{n}")
PY
    if [ -n "$callgrind_out" ]; then cp "$work"/cg-*.out "$callgrind_out"/; fi
    grep '^RESULT|callgrind' "$results" >&2
fi

# --- the figures and their ratios ---------------------------------------------------------
echo >&2
python3 - "$results" "$(nproc)" <<'PY'
import statistics, sys
values = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("|")
    if len(parts) >= 5 and parts[0] == "RESULT":
        try:
            values.setdefault(parts[1], []).append(float(parts[2]))
        except ValueError:
            values.setdefault(parts[1], [])
cores = int(sys.argv[2])
def v(name):
    return statistics.median(values[name]) if values.get(name) else None
def fmt(x, digits=0):
    return "-" if x is None else f"{x:,.{digits}f}"
rows = []  # (figure, value, target, met)
def row(what, value, target="", met=None):
    rows.append((what, value, target, "" if met is None else ("yes" if met else "no")))

lib1, sock1 = v("library_fetch_1thread_FULL"), v("socket_fetch_1client_mean")
if lib1 and sock1:
    r = sock1 / lib1
    print(f"RESULT|ratio_socket_to_library_1caller|{r:.2f}|x|-")
    row("1. fetch, 1 caller: socket (C client, 1 connection) / library (1 thread), FULL",
        f"{sock1:.0f} / {lib1:.0f} µs = **{r:.2f}×**", "≤ 1.3×", r <= 1.3)
    if v("socket_fetch_1client_median"):
        row("   socket fetch, median of one round's requests", f"{v('socket_fetch_1client_median'):.0f} µs")
c1, c32 = v("c1_rate"), v("c32_rate")
if c1 and c32:
    r = c32 / c1
    print(f"RESULT|ratio_32clients_to_1client|{r:.2f}|x|-")
    row("2. 32 client processes / 1 client process (durable fetches/s)", f"{c32:,.0f} / {c1:,.0f} = **{r:.2f}×**", "≥ 5×", r >= 5)
    if lib1:
        row("   32 client processes / the library's 1 thread", f"{c32 / (1e6 / lib1):.2f}×")
    row("   mean commit group size, 32 clients (1 client)", f"{fmt(v('c32_group_size'), 1)} ({fmt(v('c1_group_size'), 2)}) fetches/commit")
    row("   commits/s, 32 clients (1 client)", f"{fmt(v('c32_commits'))} ({fmt(v('c1_commits'))})")
    row("   fdatasync of 12 KiB, probe: median / p90", f"{fmt(v('fdatasync_12KiB_median'))} / {fmt(v('fdatasync_12KiB_p90'))} µs")
    if v("strace_fdatasync_median"):
        row("   the server's fdatasync under strace, 32 clients: median / p90",
            f"{fmt(v('strace_fdatasync_median'))} / {fmt(v('strace_fdatasync_p90'))} µs")
    s32, k32 = v("c32_server_cpu"), v("c32_client_cpu")
    row("   CPU per fetch, 32 clients: server (of which system) + clients", f"{fmt(s32)} ({fmt(v('c32_server_cpu_system'))}) + {fmt(k32)} µs")
    row("   CPU per fetch, 1 client: server (of which system) + client", f"{fmt(v('c1_server_cpu'))} ({fmt(v('c1_server_cpu_system'))}) + {fmt(v('c1_client_cpu'))} µs")
    row("   CPU per fetch, the library's 1 thread (user + system)", f"{fmt(v('library_fetch_1thread_FULL_cpu'))} µs")
    row("   the server's voluntary context switches per fetch, 1 client (32 clients)", f"{fmt(v('c1_server_waits'), 1)} ({fmt(v('c32_server_waits'), 1)})")
    if s32 and k32:
        ceiling = cores * 1e6 / (s32 + k32)
        print(f"RESULT|cpu_ceiling_32clients|{ceiling:.0f}|fetches/s|-")
        row(f"   CPU ceiling on {cores} cores: {cores} s / (server + clients) CPU per fetch",
            f"{ceiling:,.0f} fetches/s = {ceiling / c1:.1f}× the 1-client rate")
    if v("library_fetch_32threads_FULL") and lib1:
        row("   the library, 32 threads on one Vault / its 1 thread (reference)",
            f"{v('library_fetch_32threads_FULL'):,.0f} / {1e6 / lib1:,.0f} = {v('library_fetch_32threads_FULL') * lib1 / 1e6:.2f}×")
gop = v("gopass_show")
if values.get("cli_get_service"):
    r = gop / v("cli_get_service")
    print(f"RESULT|ratio_gopass_to_cli_get_service|{r:.2f}|x|-")
    row("3. `tokenvault get` through the service vs `gopass show`", f"{v('cli_get_service'):.2f} vs {gop:.2f} ms: **{r:.2f}× faster**", "≥ 2×", r >= 2)
elif "cli_get_service" in values:
    row("3. `tokenvault get` through the service vs `gopass show`", "skipped: not in this build", "≥ 2×")
if gop:
    row("   `pass show` / `gopass show`", f"{v('pass_show'):.2f} / {gop:.2f} ms")
    row("   `tokenvault get`, embedded", f"{v('cli_get_embedded'):.2f} ms ({gop / v('cli_get_embedded'):.2f}× gopass)")
    row("   C client, one process, one fetch through the service", f"{v('c_client_once'):.2f} ms ({gop / v('c_client_once'):.2f}× gopass)")
    row("   `tokenvault --version` (the CLI's process floor)", f"{v('cli_version'):.2f} ms ({gop / v('cli_version'):.2f}× gopass)")
if v("c64_p50"):
    row("4. 64 client processes: p50 / p99 latency", f"{v('c64_p50'):,.0f} / {v('c64_p99'):,.0f} µs")
    row("   64 clients: fetches/s, mean group size", f"{v('c64_rate'):,.0f}, {fmt(v('c64_group_size'), 1)}")
    row("   32 clients: p50 / p99", f"{fmt(v('c32_p50'))} / {fmt(v('c32_p99'))} µs")
if v("rss_before"):
    row("5. server VmRSS: before / with 1,000 idle connections / after closing them",
        f"{v('rss_before') / 1024:.1f} / {v('rss_with_idle_connections') / 1024:.1f} / {v('rss_after_closing') / 1024:.1f} MiB")
    row("   per idle connection", f"{v('rss_per_idle_connection'):.1f} KiB")
if v("callgrind_serve_per_fetch"):
    s, l = v("callgrind_serve_per_fetch"), v("callgrind_library_per_fetch")
    print(f"RESULT|ratio_callgrind_serve_to_library|{s / l:.2f}|x|-")
    row("instructions per fetch (callgrind): server process / library", f"{s:,.0f} / {l:,.0f} = {s / l:.2f}×")
    for name, what in [("handler", "the API handler (`VaultService.respond`)"), ("vault_fetch", "… of which `Vault.fetch`"),
                       ("authenticate", "… of which `Vault.authenticate`"), ("sqlite_reprepare", "… of which statements compiled again (`sqlite3Reprepare`)"),
                       ("worker_serve", "a worker (the handler and writing the answer)"), ("event_loop", "the event loop (poll, read, parse)"),
                       ("http_parse", "… of which parsing the request")]:
        if v(f"callgrind_serve_{name}") is not None:
            row(f"   {what}", f"{v(f'callgrind_serve_{name}'):,.0f}")
print()
print("| Figure | Measured | Target | Met? |")
print("|---|---|---|---|")
for what, value, target, met in rows:
    print(f"| {what} | {value} | {target} | {met} |")
PY
echo >&2
echo "== every RESULT line" >&2
cat "$results" >&2
