#!/usr/bin/env bash
# `tokenvault serve` over TLS measured against the same server's Unix socket, and the CLI's
# start-up with and without the TLS code (C45). Release build; every figure is meant to be
# read as a ratio to another figure of the same run (the machine is shared and noisy). No test
# ever depends on these numbers.
#
#   bash scripts/bench-tls.sh                   the full run (about 70 s on 2 cores, half of it under valgrind)
#   bash scripts/bench-tls.sh --quick           short rounds and runs, no callgrind (about 10 s)
#   --before DIR                                also time and count the `tokenvault` in DIR (a build of
#                                               an earlier commit, e.g. the one before TLS) against this
#                                               one: `--version` and the embedded `get`, interleaved
#   --bin DIR                                   use the tokenvault in DIR instead of building
#   --no-callgrind                              skip the instruction counts (parts 3 and 4)
#
# The client is C (scripts/bench-serve-client.c, compiled here with cc -O2 -DBENCH_TLS and linked
# with -lssl -lcrypto): the same `seq` mode as scripts/bench-serve.sh on the Unix socket, and its
# TLS modes, which verify the server's certificate against the test CA (and its IP address) and
# authenticate with an access token. What each part does:
#
#  1. One vault (`tokenvault keygen`, `init`, `add erp --grant shop:orders:r`, this user as
#     principal `bench` by uid, and principal `tls` with `--token`), a test CA and a server
#     certificate made with `openssl req` (EC P-256 keys, ECDSA signatures, subjectAltName
#     IP:127.0.0.1), and ONE `tokenvault serve --socket S --listen 127.0.0.1:0 --tls-cert …
#     --tls-key … --rate-limit 0`. Then, in rounds whose order turns each time, on that server:
#       (a) unix:        `seq`: one Unix-socket connection, N sequential POST /v1/fetch;
#       (b) tls_reused:  `tls-seq`: one TCP connection and TLS session kept alive, N fetches;
#       (c) tls_new:     `tls-new`: N times a new TCP connection, a full TLS handshake (no
#                        resumption: the server issues no tickets and keeps no session cache,
#                        the client keeps no session), one fetch, close;
#       (d) tls_new_p256: (c) with the client offering only P-256 for the key exchange (OpenSSL
#                        picks X25519 by default).
#     Every fetch is FULL (its audit event synced before the answer). Medians per fetch (the
#     median over rounds of each round's median request), the ratios b/a, c/a and d/a, the
#     server's CPU per fetch (/proc/PID/task/*/schedstat, all threads, summed over the rounds;
#     /proc/PID/stat's clock ticks where there is no schedstat) and the event loop thread's alone
#     (the handshake runs there), the client's CPU per fetch (TLS modes, getrusage).
#  2. Where libssl is loaded: `ldd tokenvault`; `LD_DEBUG=libs` of `tokenvault --version`, of
#     an embedded `get` and of `get` through the https:// address (the CLI as a TLS client); the
#     server's /proc/PID/maps.
#  3. Start-up: `tokenvault --version` and the embedded `tokenvault get` (vault and key file; one
#     commit and its fsync), of this build and, with --before, of the other, each build on a vault
#     made by its own CLI; also `get` through the service by its Unix socket and by https://.
#     Interleaved runs (run i of every command before run i+1 of any), process start to exit.
#     Unless --quick or --no-callgrind: instruction counts (valgrind --tool=callgrind), which do
#     not move from run to run, of `--version` and of the embedded `get` (three runs each), and
#     of `get` as a client by the Unix socket and by https:// (with, from callgrind_annotate's
#     inclusive counts, libssl's opening, the client context and the handshake).
#  4. Unless --quick or --no-callgrind: the server under callgrind (a fresh one on the same vault)
#     answering N = 200 fetches on N new TLS connections, then a fresh one answering N on one
#     connection; the difference / N is one new connection's instructions, and the same for the
#     handshake's parts (key share, shared secret, key schedule, signature).
#
# Everything lives in one mktemp -d (vaults, key, certificates, socket, token file) removed on
# exit; every process started here is stopped by its process id (the server by SIGTERM, then
# SIGKILL after 15 s). The TCP port is the one the kernel picked on 127.0.0.1. Every wait is
# bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0 bin="" before="" use_callgrind=1
while [ "$#" -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --no-callgrind) use_callgrind=0 ;;
        --bin)
            [ "$#" -ge 2 ] && [ -x "$2/tokenvault" ] || { echo "bench-tls: --bin needs a folder with tokenvault" >&2; exit 2; }
            bin="$(realpath "$2")"; shift ;;
        --before)
            [ "$#" -ge 2 ] && [ -x "$2/tokenvault" ] || { echo "bench-tls: --before needs a folder with tokenvault" >&2; exit 2; }
            before="$(realpath "$2")/tokenvault"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-tls: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$quick" = 1 ]; then
    rounds=3 per_round=300 new_per_round=100 startup_runs=20 startup_warmup=2 use_callgrind=0
else
    rounds=7 per_round=1000 new_per_round=300 startup_runs=100 startup_warmup=5
fi
callgrind_fetches=200

for tool in cc openssl python3; do
    command -v "$tool" >/dev/null || { echo "bench-tls: $tool is needed" >&2; exit 1; }
done
[ -n "$bin" ] || command -v swift >/dev/null || { echo "bench-tls: swift is needed (or --bin)" >&2; exit 1; }
if [ "$use_callgrind" = 1 ] && ! command -v valgrind >/dev/null; then use_callgrind=0; fi
[ -e /usr/include/openssl/ssl.h ] || { echo "bench-tls: the client needs OpenSSL's headers (apt-get install libssl-dev)" >&2; exit 1; }

# --- build --------------------------------------------------------------------------------
if [ -z "$bin" ]; then
    echo "== release build" >&2
    swift build -c release --product tokenvault >&2
    bin="$(swift build -c release --show-bin-path)"
fi
tokenvault="$bin/tokenvault"

# --- one temporary tree; every process started is recorded and stopped -------------------
work="$(mktemp -d)"
# shellcheck source=scripts/bench-processes.sh
. scripts/bench-processes.sh
tls_port() {  # PID LOG TENTHS WHAT: the port of the server's `serving … and https://127.0.0.1:PORT` line
    local pid="$1" log="$2" tenths="$3" what="$4" port="" i
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$pid" 2>/dev/null || { echo "bench-tls: $what exited:" >&2; cat "$log" >&2; return 1; }
        port="$(sed -n 's|^tokenvault: serving .* and https://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$log" | head -n 1)"
        if [ -n "$port" ]; then echo "$port"; return 0; fi
        sleep 0.1
    done
    echo "bench-tls: $what did not start within $((tenths / 10)) s:" >&2
    cat "$log" >&2
    return 1
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
results="$work/results.txt"
: >"$results"
result() { echo "RESULT|$1|$2|$3|$4" >>"$results"; }

echo "== client (cc -O2 -DBENCH_TLS scripts/bench-serve-client.c -lssl -lcrypto)" >&2
client="$work/bench-serve-client"
cc -O2 -Wall -DBENCH_TLS -o "$client" scripts/bench-serve-client.c -lssl -lcrypto

# --- certificates: an EC P-256 CA and a server certificate for IP 127.0.0.1 ----------------
echo "== certificates (openssl req, EC P-256)" >&2
pki="$work/pki"
mkdir -m 700 "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench-tls CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
    >"$pki/server.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/server.ext" -out "$pki/server.crt" 2>/dev/null
openssl verify -CAfile "$pki/ca.crt" "$pki/server.crt" >/dev/null

# --- the vault: a credential, this user by uid, and a token principal ------------------------
secret="$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(56)))')"
body='{"name":"erp","project":"shop","resource":"orders","permission":"r"}'
need=(--project shop --resource orders --permission r)
key="$work/vault.key"
"$tokenvault" keygen "$key" >/dev/null
make_vault() {  # TOKENVAULT DB: the credential erp (shop:orders:r) with $secret
    local tv="$1" db="$2"
    TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench "$tv" init >/dev/null
    printf '%s' "$secret" | TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
        "$tv" add erp --grant shop:orders:r --expires-in 90d >/dev/null
}
db="$work/served.db"
make_vault "$tokenvault" "$db"
TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
    "$tokenvault" principal add bench --uid "$(id -u)" --allow 'erp:shop:orders:r' --allow metrics >/dev/null
bearer="$(TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
    "$tokenvault" principal add tls --token --allow 'erp:shop:orders:r' 2>/dev/null)"
[[ "$bearer" =~ ^tva_[A-Za-z0-9]+$ ]] || { echo "bench-tls: principal add --token printed no tva_ token" >&2; exit 1; }
(umask 077 && printf '%s\n' "$bearer" >"$work/token")

# --- one server, both listeners -------------------------------------------------------------
sock="$work/serve.sock"
echo "== tokenvault serve --socket S --listen 127.0.0.1:0 --tls-cert … --tls-key … --rate-limit 0" >&2
TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" "$tokenvault" serve --socket "$sock" --listen 127.0.0.1:0 \
    --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" --rate-limit 0 2>>"$work/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
port="$(tls_port "$serve_pid" "$work/serve.log" 100 "the server")" || exit 1
# The line is written once both sockets listen: the Unix socket answers from then on.
"$client" get "$sock" /v1/health >/dev/null 2>&1 || { echo "bench-tls: the Unix socket did not answer:" >&2; cat "$work/serve.log" >&2; exit 1; }
"$client" once "$sock" "$body" | grep -qx "$secret" || { echo "bench-tls: the Unix socket did not return the secret" >&2; exit 1; }
"$client" tls-seq 127.0.0.1 "$port" "$pki/ca.crt" "$bearer" "$body" 0 "$secret" 2>"$work/client.err" \
    || { echo "bench-tls: TLS to the server failed:" >&2; cat "$work/client.err" >&2; exit 1; }
if "$client" tls-seq 127.0.0.1 "$port" /etc/ssl/certs/ca-certificates.crt "$bearer" "$body" 0 "$secret" 2>/dev/null; then
    echo "bench-tls: the client accepted a certificate that does not chain to its CA file" >&2
    exit 1
fi

ticks_per_second="$(getconf CLK_TCK)"
cpu_ns() {  # PID [TID]: CPU time of every thread of PID (or of thread TID), in ns: schedstat, else ticks
    local pid="$1" tid="${2:-}"
    if [ -r /proc/self/schedstat ]; then
        if [ -n "$tid" ]; then awk '{ printf "%.0f\n", $1 }' "/proc/$pid/task/$tid/schedstat"
        else cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; fi
    else
        local stat="/proc/$pid/stat"
        [ -z "$tid" ] || stat="/proc/$pid/task/$tid/stat"
        sed 's/^.*) //' "$stat" | awk -v hz="$ticks_per_second" '{ printf "%.0f\n", ($12 + $13) * 1e9 / hz }'
    fi
}
loop_tid="$serve_pid"  # the event loop: the thread that runs `serve` (the workers are tv-worker-N)
[ "$(cat "/proc/$serve_pid/task/$loop_tid/comm")" != "tv-worker-1" ] || { echo "bench-tls: the loop thread is not the main thread" >&2; exit 1; }

run_mode() {  # MODE N: one client run on the server; its RESULT lines, and the server's CPU it took
    local mode="$1" n="$2" before_all before_loop after_all after_loop out
    before_all="$(cpu_ns "$serve_pid")"; before_loop="$(cpu_ns "$serve_pid" "$loop_tid")"
    : >"$work/client.err"
    case "$mode" in
        unix) out="$("$client" seq "$sock" "$body" "$n" "$secret" 2>"$work/client.err")" ;;
        tls_reused) out="$("$client" tls-seq 127.0.0.1 "$port" "$pki/ca.crt" "$bearer" "$body" "$n" "$secret" 2>"$work/client.err")" ;;
        tls_new) out="$("$client" tls-new 127.0.0.1 "$port" "$pki/ca.crt" "$bearer" "$body" "$n" "$secret" 2>"$work/client.err")" ;;
        tls_new_p256) out="$("$client" tls-new 127.0.0.1 "$port" "$pki/ca.crt" "$bearer" "$body" "$n" "$secret" P-256 2>"$work/client.err")" ;;
    esac || { echo "bench-tls: the $mode client failed:" >&2; cat "$work/client.err" >&2; exit 1; }
    grep '^INFO|tls|' "$work/client.err" >>"$work/tls-info.txt" || true
    case "$mode" in
        unix) out="$(echo "$out" | sed 's/^RESULT|socket_fetch_1client_/RESULT|unix_fetch_/')" ;;
        tls_new_p256) out="$(echo "$out" | sed 's/^RESULT|tls_new_/RESULT|tls_new_p256_/')" ;;
    esac
    after_all="$(cpu_ns "$serve_pid")"; after_loop="$(cpu_ns "$serve_pid" "$loop_tid")"
    # n + 1 fetches: the warm-up too (for tls_new, a connection of its own)
    echo "$out" | tee -a "$results" >&2
    result "${mode}_server_cpu_ns" $((after_all - before_all)) ns $((n + 1))
    result "${mode}_loop_cpu_ns" $((after_loop - before_loop)) ns $((n + 1))
}

# --- 1. the same server: Unix socket, TLS reused, TLS new per fetch --------------------------
modes=(unix tls_reused tls_new tls_new_p256)
echo "== 1. $rounds rounds, order turning: unix and tls_reused $per_round fetches, tls_new and tls_new_p256 $new_per_round" >&2
for ((r = 0; r < rounds; r++)); do
    for ((m = 0; m < ${#modes[@]}; m++)); do
        mode="${modes[$(((m + r) % ${#modes[@]}))]}"
        case "$mode" in unix | tls_reused) n="$per_round" ;; *) n="$new_per_round" ;; esac
        run_mode "$mode" "$n"
    done
done
handshake_failures="$("$client" get "$sock" /metrics | awk '$1 == "tokenvault_tls_handshakes_failed_total" { print $2 }' || true)"

# --- 2. where libssl is loaded ------------------------------------------------------------
echo "== 2. where libssl is loaded" >&2
tls_env=(env -u TOKENVAULT_PATH -u TOKENVAULT_KEY_FILE TOKENVAULT_ADDR="https://127.0.0.1:$port" TOKENVAULT_CA_FILE="$pki/ca.crt"
    TOKENVAULT_TOKEN_FILE="$work/token")
emb_env=(env TOKENVAULT_PATH="$work/cli.db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench)
make_vault "$tokenvault" "$work/cli.db"
libssl_lines() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -c 'libssl\.so' || true; }
result ldd_libssl "$(ldd "$tokenvault" | grep -c 'libssl' || true)" lines 1
result ld_debug_libssl_version "$(libssl_lines "$tokenvault" --version)" lines 1
result ld_debug_libssl_embedded_get "$(libssl_lines "${emb_env[@]}" "$tokenvault" get erp "${need[@]}")" lines 1
result ld_debug_libssl_tls_get "$(libssl_lines "${tls_env[@]}" "$tokenvault" get erp "${need[@]}")" lines 1
result maps_libssl_server "$(grep -c 'libssl\.so' "/proc/$serve_pid/maps" || true)" lines 1
LD_DEBUG=libs "${tls_env[@]}" "$tokenvault" get erp "${need[@]}" 2>&1 >/dev/null | grep 'libssl\.so' | sed 's/^ *[0-9]*: *//' \
    >"$work/ld-debug-tls.txt" || true
grep -E '^RESULT\|(ldd|ld_debug|maps)' "$results" >&2

# --- 3. start-up: this build (and the one before), and the CLI as a client -------------------
echo "== 3. start-up: $startup_runs interleaved runs of each (after $startup_warmup untimed)" >&2
if [ -n "$before" ]; then
    make_vault "$before" "$work/before.db"
fi
python3 - "$tokenvault" "$before" "$work" "$key" "$sock" "$port" "$pki/ca.crt" "$secret" "$startup_runs" "$startup_warmup" \
    >>"$results" <<'PY'
import os, statistics, subprocess, sys, time
tokenvault, before, work, key, sock, port, ca, secret, runs, warmup = sys.argv[1:11]
runs, warmup = int(runs), int(warmup)
base = {k: v for k, v in os.environ.items() if not k.startswith("TOKENVAULT_")}
get = ["get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"]
def embedded(db):
    return dict(base, TOKENVAULT_PATH=db, TOKENVAULT_KEY_FILE=key, TOKENVAULT_ACTOR="bench")
cases = [
    ("version_after", [tokenvault, "--version"], base, False),
    ("embedded_get_after", [tokenvault] + get, embedded(f"{work}/cli.db"), True),
]
if before:
    cases += [
        ("version_before", [before, "--version"], base, False),
        ("embedded_get_before", [before] + get, embedded(f"{work}/before.db"), True),
    ]
cases += [
    ("client_get_unix", [tokenvault] + get, dict(base, TOKENVAULT_ADDR=sock), True),
    ("client_get_tls", [tokenvault] + get,
     dict(base, TOKENVAULT_ADDR=f"https://127.0.0.1:{port}", TOKENVAULT_CA_FILE=ca, TOKENVAULT_TOKEN_FILE=f"{work}/token"), True),
]
for name, argv, env, prints_secret in cases:
    out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if out.returncode != 0 or (prints_secret and out.stdout.decode().rstrip("\n") != secret):
        sys.exit(f"bench-tls: {name} failed: {out.stderr[:200]!r}")
def once(argv, env):
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=30)
    return (time.perf_counter() - start) * 1000
for _ in range(warmup):
    for _, argv, env, _ in cases: once(argv, env)
samples = {name: [] for name, *_ in cases}
for i in range(runs):  # run i of every command before run i+1 of any; the order turns
    turned = cases[i % len(cases):] + cases[:i % len(cases)]
    for name, argv, env, _ in turned: samples[name].append(once(argv, env))
for name, *_ in cases:
    s = sorted(samples[name])
    print(f"RESULT|{name}|{statistics.median(s):.2f}|ms|{runs}")
    print(f"RESULT|{name}_p90|{s[int(round(0.9 * (len(s) - 1)))]:.2f}|ms|{runs}")
PY
grep -E '^RESULT\|(version|embedded_get|client_get)' "$results" >&2

if [ "$use_callgrind" = 1 ]; then
    echo "== 3. instructions (callgrind): --version and the embedded get" >&2
    builds=(after)
    [ -z "$before" ] || builds+=(before)
    for build in "${builds[@]}"; do
        tv="$tokenvault" cli_db="$work/cli.db"
        [ "$build" = after ] || { tv="$before"; cli_db="$work/before.db"; }
        for i in 1 2 3; do
            valgrind --tool=callgrind --callgrind-out-file="$work/cg-version_$build-$i.out" "$tv" --version >/dev/null 2>&1
            result "callgrind_version_$build" "$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg-version_$build-$i.out")" instructions 1
            TOKENVAULT_PATH="$cli_db" TOKENVAULT_KEY_FILE="$key" TOKENVAULT_ACTOR=bench \
                valgrind --tool=callgrind --callgrind-out-file="$work/cg-get_$build-$i.out" "$tv" get erp "${need[@]}" >/dev/null 2>&1
            result "callgrind_embedded_get_$build" "$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg-get_$build-$i.out")" instructions 1
        done
    done
    # The CLI as a client of this server, by its Unix socket and by https:// (a process each).
    for i in 1 2 3; do
        env -u TOKENVAULT_PATH -u TOKENVAULT_KEY_FILE TOKENVAULT_ADDR="$sock" \
            valgrind --tool=callgrind --callgrind-out-file="$work/cg-client-unix-$i.out" "$tokenvault" get erp "${need[@]}" >/dev/null 2>&1
        result callgrind_client_get_unix "$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg-client-unix-$i.out")" instructions 1
        "${tls_env[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/cg-client-tls-$i.out" "$tokenvault" get erp "${need[@]}" \
            >/dev/null 2>&1
        result callgrind_client_get_tls "$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg-client-tls-$i.out")" instructions 1
    done
    callgrind_annotate --inclusive=yes --threshold=100 "$work/cg-client-tls-1.out" >"$work/cg-client-tls-1.txt" 2>/dev/null || true
    python3 - "$work/cg-client-tls-1.txt" >>"$results" <<'PY'
import re, sys
parts = [
    ("load", ":ctls_load "),                     # dlopen("libssl.so.3") and its symbols
    ("context", ":ctls_client_context "),        # the client context, the CA file read (and ctls_load)
    ("handshake", ":SSL_do_handshake "),         # the handshake, the server's chain verified
]
found = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*([0-9,]+) \(", line)
    for name, piece in parts:
        if m and piece in line:
            found[name] = max(found.get(name, 0), int(m.group(1).replace(",", "")))
for name, _ in parts:
    print(f"RESULT|callgrind_client_tls_{name}|{found.get(name, 0)}|instructions|1")
PY
    grep '^RESULT|callgrind' "$results" >&2
fi

stop_pid "$serve_pid"

# --- 4. instructions of a new connection on the server (callgrind) ---------------------------
if [ "$use_callgrind" = 1 ]; then
    echo "== 4. callgrind: the server answering $callgrind_fetches fetches on new TLS connections, and on one" >&2
    for mode in tls-new tls-seq; do
        rm -f "$work/cg.sock"
        : >"$work/cg-serve.log"
        TOKENVAULT_PATH="$db" TOKENVAULT_KEY_FILE="$key" valgrind --tool=callgrind --trace-children=no \
            --callgrind-out-file="$work/cg-serve-$mode.out" "$tokenvault" serve --socket "$work/cg.sock" --listen 127.0.0.1:0 \
            --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" --rate-limit 0 2>>"$work/cg-serve.log" &
        cg_pid=$!
        pids+=("$cg_pid")
        cg_port="$(tls_port "$cg_pid" "$work/cg-serve.log" 600 "the server under callgrind")" || exit 1
        "$client" "$mode" 127.0.0.1 "$cg_port" "$pki/ca.crt" "$bearer" "$body" "$callgrind_fetches" "$secret" >/dev/null 2>&1
        stop_pid "$cg_pid"  # callgrind writes its counts as the server exits
        callgrind_annotate --inclusive=yes --threshold=100 "$work/cg-serve-$mode.out" >"$work/cg-serve-$mode.txt" 2>/dev/null || true
    done
    # (N + 1 handshakes and fetches) - (1 handshake and N + 1 fetches), divided by N: one new
    # connection (accept, handshake, close); and the same difference for parts of the handshake
    # (inclusive counts of OpenSSL's functions, the largest line naming each).
    python3 - "$callgrind_fetches" "$work" >>"$results" <<'PY'
import re, sys
n, work = int(sys.argv[1]), sys.argv[2]
def total(path):
    for line in open(path):
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    sys.exit(f"bench-tls: no totals in {path}")
parts = [
    ("handshake", ":SSL_do_handshake "),      # the whole handshake, as the event loop runs it
    ("keygen", ":EVP_PKEY_generate "),        # the server's ephemeral key share
    ("derive", ":EVP_PKEY_derive "),          # the shared secret (ECDHE)
    ("kdf", ":EVP_KDF_derive "),              # TLS 1.3's key schedule (HKDF)
    ("sign", ":EVP_DigestSign "),             # CertificateVerify: the ECDSA P-256 signature
    ("ssl_new", ":SSL_new "),                 # a session object for the connection
    ("ssl_free", ":SSL_free "),
]
def inclusive(path):
    found = {}
    for line in open(path):
        m = re.match(r"\s*([0-9,]+) \(", line)
        if not m:
            continue
        for name, piece in parts:
            if piece in line:
                found[name] = max(found.get(name, 0), int(m.group(1).replace(",", "")))
    return found
new, seq = f"{work}/cg-serve-tls-new", f"{work}/cg-serve-tls-seq"
print(f"RESULT|callgrind_server_new_connection|{(total(new + '.out') - total(seq + '.out')) / n:.0f}|instructions|{n}")
with_new, with_seq = inclusive(new + ".txt"), inclusive(seq + ".txt")
for name, _ in parts:
    print(f"RESULT|callgrind_server_{name}|{(with_new.get(name, 0) - with_seq.get(name, 0)) / n:.0f}|instructions/connection|{n}")
PY
    grep '^RESULT|callgrind_server' "$results" >&2
fi

# --- the figures and their ratios ---------------------------------------------------------
echo >&2
echo "== TLS sessions (client's view): $(sort -u "$work/tls-info.txt" | sed 's/^INFO|tls|//' | paste -sd ';' -)" >&2
echo "== tokenvault_tls_handshakes_failed_total after part 1: ${handshake_failures:-?} (1 expected: the client's check with the wrong CA file)" >&2
echo "== LD_DEBUG=libs of get through https:// (libssl lines): $(paste -sd ';' "$work/ld-debug-tls.txt")" >&2
python3 - "$results" <<'PY'
import statistics, sys
values, counts = {}, {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("|")
    if len(parts) >= 5 and parts[0] == "RESULT":
        values.setdefault(parts[1], []).append(float(parts[2]))
        counts.setdefault(parts[1], []).append(int(parts[4]) if parts[4].isdigit() else 0)
def v(name):
    return statistics.median(values[name]) if values.get(name) else None
def cpu(mode, part):  # µs of server CPU per fetch over every round
    ns, fetches = sum(values.get(f"{mode}_{part}_cpu_ns", [])), sum(counts.get(f"{mode}_{part}_cpu_ns", []))
    return ns / fetches / 1e3 if fetches else None
def fmt(x, digits=0):
    return "-" if x is None else f"{x:,.{digits}f}"
rows = []
a = v("unix_fetch_median")
names = {"unix": "(a) Unix socket, one connection", "tls_reused": "(b) TLS, one connection kept alive",
         "tls_new": "(c) TLS, a new connection per fetch (X25519)", "tls_new_p256": "(d) TLS, a new connection per fetch (P-256)"}
prefix = {"unix": "unix_fetch", "tls_reused": "tls_reused_fetch", "tls_new": "tls_new_fetch", "tls_new_p256": "tls_new_p256_fetch"}
rounds = len(values.get("unix_fetch_median", []))
for mode in ["unix", "tls_reused", "tls_new", "tls_new_p256"]:
    median, mean = v(f"{prefix[mode]}_median"), v(f"{prefix[mode]}_mean")
    if median is None:
        continue
    ratio = median / a if a else None
    if mode != "unix":
        print(f"RESULT|ratio_{mode}_to_unix|{ratio:.2f}|x|-")
    client = v(f"{mode}_client_cpu")
    handshake = v(f"{mode}_handshake_median")
    rows.append((names[mode], f"{median:,.0f}", f"{mean:,.0f}", f"**{ratio:.2f}×**" if mode != "unix" else "1",
                 fmt(cpu(mode, "server")), fmt(cpu(mode, "loop")), fmt(client), fmt(handshake)))
print()
print(f"Per fetch, µs; medians over {rounds} rounds (each round's median request, and each round's mean); CPU summed over the rounds.")
print()
print("| Mode | median | mean | median / (a) | server CPU | of which the event loop | client CPU | connect + handshake (median) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
def ms(name):
    return fmt(v(name), 2)
if v("version_after") is not None:
    print("| Start-up (ms, median / p90) | this build | before |")
    print("|---|---:|---:|")
    for name, what in [("version", "`tokenvault --version`"), ("embedded_get", "`tokenvault get`, embedded (vault + key file)")]:
        print(f"| {what} | {ms(name + '_after')} / {ms(name + '_after_p90')} | {ms(name + '_before')} / {ms(name + '_before_p90')} |")
    print(f"| `tokenvault get` through the Unix socket | {ms('client_get_unix')} / {ms('client_get_unix_p90')} | |")
    print(f"| `tokenvault get` through https:// (a new TLS connection) | {ms('client_get_tls')} / {ms('client_get_tls_p90')} | |")
    print()
if values.get("callgrind_version_after"):
    print("| Instructions (callgrind, 3 runs each) | this build | before | after / before |")
    print("|---|---|---|---:|")
    for name, what in [("version", "`tokenvault --version`"), ("embedded_get", "`tokenvault get`, embedded")]:
        after, before = values.get(f"callgrind_{name}_after", []), values.get(f"callgrind_{name}_before", [])
        ratio = f"{statistics.median(after) / statistics.median(before):.4f}" if after and before else "-"
        print(f"| {what} | {' · '.join(f'{x:,.0f}' for x in after)} | {' · '.join(f'{x:,.0f}' for x in before) or '-'} | {ratio} |")
    print()
if v("callgrind_server_new_connection") is not None:
    print("| The server, per new TLS connection (callgrind) | instructions |")
    print("|---|---:|")
    for name, what in [("new_connection", "the whole process: a new connection and its fetch, minus a fetch on a kept-alive one"),
                       ("handshake", "`SSL_do_handshake` (on the event loop)"), ("keygen", "… the ephemeral key share (`EVP_PKEY_generate`)"),
                       ("derive", "… the shared secret (`EVP_PKEY_derive`)"), ("kdf", "… the key schedule (`EVP_KDF_derive`, HKDF)"),
                       ("sign", "… the ECDSA P-256 signature (`EVP_DigestSign`)"), ("ssl_new", "`SSL_new`"), ("ssl_free", "`SSL_free`")]:
        print(f"| {what} | {fmt(v('callgrind_server_' + name))} |")
    print()
if v("callgrind_client_get_tls") is not None:
    print("| `tokenvault get` as a client (callgrind, median of 3) | instructions |")
    print("|---|---:|")
    print(f"| through the Unix socket | {fmt(v('callgrind_client_get_unix'))} |")
    print(f"| through https:// | {fmt(v('callgrind_client_get_tls'))} |")
    print(f"| … libssl opened (`ctls_load`: dlopen, dlsym) | {fmt(v('callgrind_client_tls_load'))} |")
    print(f"| … the client context with the CA file (`ctls_client_context`, with `ctls_load`) | {fmt(v('callgrind_client_tls_context'))} |")
    print(f"| … the handshake, the server's chain verified (`SSL_do_handshake`) | {fmt(v('callgrind_client_tls_handshake'))} |")
    print()
print("| Where libssl is | lines naming libssl.so |")
print("|---|---:|")
for name, what in [("ldd_libssl", "`ldd tokenvault`"), ("ld_debug_libssl_version", "`LD_DEBUG=libs tokenvault --version`"),
                   ("ld_debug_libssl_embedded_get", "`LD_DEBUG=libs tokenvault get …`, embedded"),
                   ("ld_debug_libssl_tls_get", "`LD_DEBUG=libs tokenvault get …` through https://"),
                   ("maps_libssl_server", "the server's `/proc/PID/maps` (`serve --listen`)")]:
    print(f"| {what} | {fmt(v(name))} |")
PY
echo >&2
echo "== every RESULT line" >&2
cat "$results" >&2
