#!/usr/bin/env bash
# TokenVault benchmarks: one table, for docs/performance.md. No test ever depends on timing.
#
#   bash scripts/bench.sh            quick: library and CLI (about 5 minutes)
#   LIMITS_C=path/to/bench.c bash scripts/bench.sh   also a C reference program, compiled and run
#   BENCH_EVENTS=1000000 bash scripts/bench.sh   also audit export/verify over that many events
#
# With LIMITS_C, a C program doing the same work straight against OpenSSL and SQLite (its
# `sqlite` mode prints RESULT lines for a fetch and an audit append) runs in the same session,
# so that TokenVault's figures can be reported as ratios to it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build -c release --product tokenvault >&2
swift build -c release --product TokenVaultBench >&2
bin="$(swift build -c release --show-bin-path)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results="$work/results.txt"

echo "== library (TokenVaultBench)" >&2
"$bin/TokenVaultBench" fetch "$work" | tee -a "$results" >&2
"$bin/TokenVaultBench" verify "$work" | tee -a "$results" >&2
"$bin/TokenVaultBench" unlock "$work" | tee -a "$results" >&2
"$bin/TokenVaultBench" scan "$work" 50 | tee -a "$results" >&2

echo "== CLI, process start to exit (median of 100)" >&2
python3 - "$bin/tokenvault" "$work" >>"$results" <<'PY'
import os, statistics, subprocess, sys, time
tool, work = sys.argv[1], sys.argv[2]
env = dict(os.environ, TOKENVAULT_PATH=f"{work}/cli.db", TOKENVAULT_KEY_FILE=f"{work}/cli.key", TOKENVAULT_ACTOR="bench")
run = lambda args, data=None: subprocess.run([tool] + args, env=env, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
run(["keygen", f"{work}/cli.key"]); run(["init"])
run(["add", "erp", "--grant", "shop:orders:r", "--expires-in", "90d"], b"xpat_0123456789abcdef0123456789abcdef")
def median_ms(args):
    samples = []
    for _ in range(100):
        start = time.perf_counter(); run(args); samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000
print(f"RESULT|cli_version|{median_ms(['--version']):.2f}|ms|100")
print(f"RESULT|cli_get|{median_ms(['get', 'erp', '--project', 'shop', '--permission', 'r']):.2f}|ms|100")
print(f"RESULT|cli_list|{median_ms(['list']):.2f}|ms|100")
PY

if [ -n "${BENCH_EVENTS:-}" ]; then
    echo "== audit trail of $BENCH_EVENTS events" >&2
    "$bin/tokenvault" keygen "$work/big.key" >/dev/null
    "$bin/TokenVaultBench" populate "$work/big.db" "$work/big.key" "$BENCH_EVENTS" >>"$results"
    "$bin/TokenVaultBench" audit-verify "$work/big.db" "$work/big.key" >>"$results"
    python3 - "$bin/tokenvault" "$work" >>"$results" <<'PY'
import os, resource, subprocess, sys, time
tool, work = sys.argv[1], sys.argv[2]
env = dict(os.environ, TOKENVAULT_PATH=f"{work}/big.db", TOKENVAULT_KEY_FILE=f"{work}/big.key")
for fmt in ("jsonl", "csv"):
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([tool, "audit", "--format", fmt], env=env, stdout=sink, check=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far, MiB
    print(f"RESULT|audit_export_{fmt}_seconds|{elapsed:.2f}|s|1")
    print(f"RESULT|audit_export_{fmt}_peak_rss|{peak:.1f}|MiB|1")
PY
fi

limits=${LIMITS_C:-}
if [ -n "$limits" ] && [ -f "$limits" ]; then
    echo "== C reference ($limits, fetch and audit append)" >&2
    gcc -O2 -o "$work/limits" "$limits" -lsqlite3 -lcrypto
    "$work/limits" sqlite "$work" | grep -E '^RESULT\|(fetch|audit append)' | tee -a "$results" >&2 || true
fi

# Issue 6's ratios: TokenVault against the C program (same session), and 8 threads against one.
python3 - "$results" >>"$results" <<'PY'
import sys
values = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("|")
    if len(parts) >= 4 and parts[0] == "RESULT":
        values[parts[1]] = float(parts[2])
def ratio(name, numerator, denominator):
    if numerator in values and denominator in values and values[denominator] > 0:
        print(f"RESULT|{name}|{values[numerator] / values[denominator]:.2f}|x|-")
for mode in ("FULL", "NORMAL"):
    c = f"fetch (10k rows), WAL sync={mode}"
    if c in values:
        values[f"c_fetch_{mode}_us"] = values[c] / 1000
    ratio(f"ratio_fetch_1thread_{mode}_to_C", f"fetch_1thread_{mode}", f"c_fetch_{mode}_us")
    if f"fetch_1thread_FULL" in values:
        values["fetch_1thread_FULL_ops"] = 1e6 / values["fetch_1thread_FULL"]
    ratio(f"ratio_fetch_8threads_{mode}_to_1thread_FULL", f"fetch_8threads_{mode}", "fetch_1thread_FULL_ops")
PY

echo
printf '%-42s %14s  %s\n' "benchmark" "median" "unit"
printf '%-42s %14s  %s\n' "---------" "------" "----"
grep '^RESULT|' "$results" | while IFS='|' read -r _ name value unit rest; do
    case "$unit" in
        [0-9]*) # the C program's format: median ns/op, ops/s
            printf '%-42s %14.2f  %s\n' "C: ${name:0:39}" "$(awk -v v="$value" 'BEGIN { print v / 1000 }')" "us/op" ;;
        *) printf '%-42s %14s  %s\n' "$name" "$value" "$unit" ;;
    esac
done
