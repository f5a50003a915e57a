#!/usr/bin/env bash
# Issue 6 item 4: the CLI on a vault of a million credentials and ten million audit events.
#
#   bash scripts/bench-scale.sh populate DIR      make DIR/scale.db and DIR/scale.key (about 25 min:
#                                                  1,000,000 credentials, then fetches from 8 threads
#                                                  up to 10,000,000 events; BENCH_CREDENTIALS and
#                                                  BENCH_EVENTS change the sizes)
#   bash scripts/bench-scale.sh time DIR [TOOL]    time the commands below on it with TOOL (default:
#                                                  the release build), median of BENCH_RUNS (3) runs
#                                                  and the largest peak RSS; audit verify last
#
# BENCH_ONLY=report,list_all runs only the commands whose names start with one of those words
# (the report's runs: report_text, report_json, report_html and their _unused_1m forms, which
# call everything not used for a minute unused, so that the listings hold most credentials).
# Peak RSS is the child's own maximum resident set (wait4's ru_maxrss, what /usr/bin/time -v
# reports as "Maximum resident set size"); CPU is its user plus system time, which moves less
# than the wall time when other work shares the machine.
#
# The populated vault has one hot credential in a thousand (c0-0, c0-1000, …), which take nine
# fetches in ten, so `audit --name` is timed both for a name with thousands of events (c3-5000)
# and for one with a single fetch among ten million (c5-777); BENCH_HOT and BENCH_COLD name
# others (for a smaller vault). Prints RESULT lines.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"; dir="${2:-}"
[ -n "$mode" ] && [ -n "$dir" ] || { echo "usage: $0 populate|time DIR [TOOL]" >&2; exit 2; }
mkdir -p "$dir"

if [ "$mode" = populate ]; then
    swift build -c release --product tokenvault >&2
    swift build -c release --product TokenVaultBench >&2
    bin="$(swift build -c release --show-bin-path)"
    [ -f "$dir/scale.key" ] || "$bin/tokenvault" keygen "$dir/scale.key" >/dev/null
    exec "$bin/TokenVaultBench" populate-scale "$dir/scale.db" "$dir/scale.key" \
        "${BENCH_CREDENTIALS:-1000000}" "${BENCH_EVENTS:-10000000}"
fi

[ "$mode" = time ] || { echo "usage: $0 populate|time DIR [TOOL]" >&2; exit 2; }
tool="${3:-}"
if [ -z "$tool" ]; then
    swift build -c release --product tokenvault >&2
    swift build -c release --product TokenVaultBench >&2
    tool="$(swift build -c release --show-bin-path)/tokenvault"
fi
python3 - "$tool" "$dir" "${BENCH_RUNS:-3}" <<'PY'
import os, statistics, subprocess, sys, time
tool, directory, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
hot, cold = os.environ.get("BENCH_HOT", "c3-5000"), os.environ.get("BENCH_COLD", "c5-777")
env = dict(os.environ, TOKENVAULT_PATH=f"{directory}/scale.db", TOKENVAULT_KEY_FILE=f"{directory}/scale.key",
           TOKENVAULT_ACTOR="bench")
commands = [
    ("show_one", ["show", hot]),
    ("get_one", ["get", hot, "--project", "shop", "--permission", "r"]),
    ("list_expiring_within_7d", ["list", "--expiring-within", "7d"]),
    ("expiring_within_7d", ["expiring", "--within", "7d", "--critical", "3d"]),
    ("audit_name_hot_limit_100", ["audit", "--name", hot, "--limit", "100"]),
    ("audit_name_cold_limit_100", ["audit", "--name", cold, "--limit", "100"]),
    ("audit_since_1h_limit_100", ["audit", "--since", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)), "--limit", "100"]),
    ("list_all", ["list"]),
    ("list_all_json", ["list", "--json"]),
    ("audit_export_jsonl", ["audit", "--format", "jsonl"]),
    ("report_text", ["report"]),
    ("report_text_unused_1m", ["report", "--unused-for", "1m"]),
    ("report_json_unused_1m", ["report", "--json", "--unused-for", "1m"]),
    ("report_html", ["report", "--html", "--out", f"{directory}/report.html"]),
    ("report_html_unused_1m", ["report", "--html", "--unused-for", "1m", "--out", f"{directory}/report.html"]),
    ("audit_verify", ["audit", "verify"]),
]
only = [word for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
if only:
    commands = [(name, arguments) for name, arguments in commands if name.startswith(tuple(only))]
def run(arguments):
    """One run: milliseconds, peak RSS in MiB and CPU milliseconds (this child's own, from
    wait4), exit status."""
    start = time.perf_counter()
    child = subprocess.Popen([tool] + arguments, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = (usage.ru_utime + usage.ru_stime) * 1000
    return (time.perf_counter() - start) * 1000, usage.ru_maxrss / 1024, cpu, child.returncode, stderr

for name, arguments in commands:
    samples, peak, cpus = [], 0.0, []
    for _ in range(1 if name.startswith(("audit_export", "audit_verify", "list_all")) else runs):
        elapsed, rss, cpu, status, stderr = run(arguments)
        # `expiring` exits 1 or 2 when something is due, `report` 1 when it finds a risk: that
        # is their answer, not a failure.
        if status != 0 and not (name.startswith("expiring") and status in (1, 2)) and not (name.startswith("report") and status == 1):
            sys.exit(f"{name}: exit {status}: {stderr.decode(errors='replace').strip()}")
        samples.append(elapsed)
        cpus.append(cpu)
        peak = max(peak, rss)
    print(f"RESULT|scale_{name}|{statistics.median(samples):.1f}|ms|{len(samples)}")
    print(f"RESULT|scale_{name}_peak_rss|{peak:.1f}|MiB|{len(samples)}")
    print(f"RESULT|scale_{name}_cpu|{statistics.median(cpus):.1f}|ms|{len(samples)}")
    sys.stdout.flush()
PY
