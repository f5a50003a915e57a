#!/usr/bin/env bash
# End-to-end `get` against its peers: `pass show` and `gopass show` (GPG-backed), with the
# process-start floor beside them (an empty C program, an empty Swift program with and
# without the Swift runtime linked statically). Every figure is one process, start to exit,
# as a caller's shell pays it; no test ever depends on these numbers.
#
#   bash scripts/bench-peers.sh                        build tokenvault in release mode and time it
#   bash scripts/bench-peers.sh PATH/tokenvault        time that binary instead
#   bash scripts/bench-peers.sh PATH/tokenvault PATH/other-tokenvault
#                                                      also time a second build side by side (release
#       builds link the Swift runtime statically; to compare with a dynamically linked one, build it
#       with that linker flag removed from Package.swift into another --scratch-path)
#
# BENCH_RUNS (default 100) sets the runs per command; BENCH_WARMUP (default 5) the untimed
# runs before them. Prints `RESULT|name|median|ms|runs` lines, then a table (median, min, p90).
#
# Installs pass, gopass and gnupg with apt-get when they are missing and it runs as root.
# Debian's `gopass` package is aviau/gopass 1.5 (a small pass clone in Go), not
# gopasspw/gopass: `gopass show NAME` prints the secret, `init` takes a key id, and its
# `insert` only reads a terminal or an editor, so the script inserts through $EDITOR.
#
# Everything lives under one mktemp -d (GNUPGHOME with a throwaway ed25519/cv25519 key
# without passphrase, both password stores, a throwaway vault and key file, HOME and XDG
# folders) and is removed on exit, after the gpg-agent started for it is killed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${BENCH_RUNS:-100}"
warmup="${BENCH_WARMUP:-5}"

# --- tools -----------------------------------------------------------------------------
missing=()
command -v gpg >/dev/null || missing+=(gnupg)
command -v gpgconf >/dev/null || missing+=(gnupg)
command -v pass >/dev/null || missing+=(pass)
command -v gopass >/dev/null || missing+=(gopass)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench-peers: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
        exit 1
    fi
    echo "== installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
for tool in gcc swiftc python3 git; do
    command -v "$tool" >/dev/null || { echo "bench-peers: $tool is needed" >&2; exit 1; }
done

# --- tokenvault binaries (built before HOME is moved, so SwiftPM keeps its caches) ------
if [ "$#" -ge 1 ]; then
    tokenvault="$(realpath "$1")"
else
    swift build -c release --product tokenvault >&2
    tokenvault="$(swift build -c release --show-bin-path)/tokenvault"
fi
tokenvault_second=""
if [ "$#" -ge 2 ]; then tokenvault_second="$(realpath "$2")"; fi
[ -x "$tokenvault" ] || { echo "bench-peers: no executable at $tokenvault" >&2; exit 1; }

# --- one temporary tree for everything -------------------------------------------------
work="$(mktemp -d)"
export GNUPGHOME="$work/gnupg"
cleanup() {
    # The agent was started for this GNUPGHOME only; kill it before its folder goes.
    gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    gpgconf --remove-socketdir >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME" "$work/home" "$work/bin"
export HOME="$work/home"
export XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" XDG_CACHE_HOME="$work/home/.cache"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export GIT_CONFIG_NOSYSTEM=1
mkdir -m 700 "$work/tmp"
export TMPDIR="$work/tmp"  # gopass insert --multiline writes its scratch file there
unset PASSWORD_STORE_DIR TOKENVAULT_PATH TOKENVAULT_KEY_FILE TOKENVAULT_PASSPHRASE_FILE GPG_AGENT_INFO || true

# A 56-character token, the same in all three stores.
token="$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(56)))')"
export BENCH_TOKEN="$token"

# --- GPG: a throwaway key without passphrase, the agent started once -------------------
echo "== GPG key and agent" >&2
gpg --batch --quiet --passphrase '' --quick-gen-key 'bench <bench@example.invalid>' ed25519 sign never 2>/dev/null
fpr="$(gpg --batch --with-colons --list-keys 'bench@example.invalid' | awk -F: '/^fpr/ { print $10; exit }')"
# The primary key only signs: pass and gopass need an encryption subkey.
gpg --batch --quiet --passphrase '' --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
gpgconf --launch gpg-agent
gpg --batch --check-trustdb >/dev/null 2>&1  # pay the first trustdb check now, not in a timed run

# --- pass ------------------------------------------------------------------------------
echo "== pass store" >&2
pass_dir="$work/pass"
PASSWORD_STORE_DIR="$pass_dir" pass init "$fpr" >/dev/null
printf '%s\n' "$token" | PASSWORD_STORE_DIR="$pass_dir" pass insert --echo bench/erp >/dev/null

# --- gopass (aviau/gopass: a pass-compatible store, its own git commits) ----------------
echo "== gopass store" >&2
gopass_dir="$work/gopass"
PASSWORD_STORE_DIR="$gopass_dir" gopass init "$fpr" >/dev/null 2>&1
# Its insert reads a terminal without echo, or (with -m) a file an editor writes.
cat >"$work/bin/put-token" <<'SH'
#!/bin/sh
printf '%s\n' "$BENCH_TOKEN" >"$1"
SH
chmod +x "$work/bin/put-token"
EDITOR="$work/bin/put-token" PASSWORD_STORE_DIR="$gopass_dir" gopass insert --multiline erp </dev/null >/dev/null 2>&1

# --- TokenVault ------------------------------------------------------------------------
echo "== TokenVault vault" >&2
"$tokenvault" keygen "$work/vault.key" >/dev/null
TOKENVAULT_PATH="$work/vault.db" TOKENVAULT_KEY_FILE="$work/vault.key" "$tokenvault" init >/dev/null
printf '%s' "$token" | TOKENVAULT_PATH="$work/vault.db" TOKENVAULT_KEY_FILE="$work/vault.key" TOKENVAULT_ACTOR=bench \
    "$tokenvault" add erp --grant shop:orders:r --expires-in 90d >/dev/null

# --- process start floor ---------------------------------------------------------------
echo "== empty C and Swift programs" >&2
printf 'int main(void) { return 0; }\n' >"$work/empty.c"
gcc -O2 -o "$work/bin/empty-c" "$work/empty.c"
mkdir "$work/swift-empty"
: >"$work/swift-empty/main.swift"
swiftc -O -module-cache-path "$work/swift-module-cache" -o "$work/bin/empty-swift" "$work/swift-empty/main.swift"
swiftc -O -static-stdlib -module-cache-path "$work/swift-module-cache" -o "$work/bin/empty-swift-static" "$work/swift-empty/main.swift"

# --- versions --------------------------------------------------------------------------
{
    echo "== versions"
    echo "pass:     $(pass version | sed -n 's/.*\(v[0-9][0-9.]*\).*/\1/p' | head -1)"
    echo "gopass:   $(gopass version 2>&1 | head -1) ($(dpkg-query -W -f '${Version}' gopass 2>/dev/null || echo '?'))"
    echo "gpg:      $(gpg --version | head -1)"
    echo "tokenvault: $("$tokenvault" --version) ($tokenvault)"
    [ -z "$tokenvault_second" ] || echo "second tokenvault: $("$tokenvault_second" --version) ($tokenvault_second)"
    echo "swiftc:   $(swiftc --version 2>&1 | head -1)"
    echo "gcc:      $(gcc --version | head -1)"
    echo "kernel:   $(uname -r), $(nproc) cores"
} >&2

# --- timing ----------------------------------------------------------------------------
echo "== timing: $runs runs of each (after $warmup untimed), interleaved" >&2
python3 - "$work" "$fpr" "$tokenvault" "$tokenvault_second" "$runs" "$warmup" <<'PY'
import os, statistics, subprocess, sys, time

work, fpr, tokenvault, tokenvault_second, runs, warmup = sys.argv[1:7]
runs, warmup = int(runs), int(warmup)
token = os.environ["BENCH_TOKEN"]
base = dict(os.environ)
tv_env = dict(base, TOKENVAULT_PATH=f"{work}/vault.db", TOKENVAULT_KEY_FILE=f"{work}/vault.key", TOKENVAULT_ACTOR="bench")
get = ["get", "erp", "--project", "shop", "--resource", "orders", "--permission", "r"]

# name, argv, environment, whether it prints the token
cases = [
    ("pass_show", ["pass", "show", "bench/erp"], dict(base, PASSWORD_STORE_DIR=f"{work}/pass"), True),
    ("gopass_show", ["gopass", "show", "erp"], dict(base, PASSWORD_STORE_DIR=f"{work}/gopass"), True),
    ("tokenvault_get", [tokenvault] + get, tv_env, True),
    ("tokenvault_version", [tokenvault, "--version"], tv_env, False),
]
if tokenvault_second:
    cases += [
        ("tokenvault_second_get", [tokenvault_second] + get, tv_env, True),
        ("tokenvault_second_version", [tokenvault_second, "--version"], tv_env, False),
    ]
cases += [
    ("empty_c", [f"{work}/bin/empty-c"], base, False),
    ("empty_swift", [f"{work}/bin/empty-swift"], base, False),
    ("empty_swift_static_stdlib", [f"{work}/bin/empty-swift-static"], base, False),
]

# Each command must print exactly the token before any figure counts.
for name, argv, env, prints_token in cases:
    if prints_token:
        out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        if out.decode().rstrip("\n") != token:
            sys.exit(f"bench-peers: {name} printed {out!r}, not the token")

def once(argv, env):
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start

for _ in range(warmup):
    for _, argv, env, _ in cases:
        once(argv, env)

# Interleaved: run i of every command before run i+1 of any, so a slow spell of the
# machine falls on all of them alike.
samples = {name: [] for name, *_ in cases}
for _ in range(runs):
    for name, argv, env, _ in cases:
        samples[name].append(once(argv, env) * 1000)

rows = []
for name, *_ in cases:
    s = sorted(samples[name])
    median = statistics.median(s)
    p90 = s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]
    rows.append((name, median, s[0], p90))
    print(f"RESULT|{name}|{median:.2f}|ms|{runs}")
    print(f"RESULT|{name}_min|{s[0]:.2f}|ms|{runs}")

floor = dict((r[0], r[1]) for r in rows)["empty_c"]
print()
print(f"{'command':<28} {'median ms':>10} {'min ms':>8} {'p90 ms':>8} {'x empty C':>10}")
for name, median, low, p90 in rows:
    print(f"{name:<28} {median:>10.2f} {low:>8.2f} {p90:>8.2f} {median / floor:>10.1f}")
PY
