#!/usr/bin/env bash
# The service's reliability under SIGKILL (docs/reliability.md): N times, start
# `tokenvault serve` on a throwaway vault, let 32 client processes fetch (each fetch with its own
# `TokenVault-On-Behalf-Of: client-N-I`, each 200 recorded with its version), SIGKILL the server
# at a random moment, restart it; the credential is rotated between rounds. At the end: every
# fetch a client was answered 200 for must be in the audit trail with the version it got, the
# trail must verify, and the restarted server must serve and stop cleanly.
#
#   bash scripts/kill-test.sh [--kills N]     N defaults to 100 (ServiceTests runs 3)
#
# Builds tokenvault (debug; CONFIGURATION=release for a release build) and runs
# Tests/TokenVaultCLITests/Scripts/kill_test.py. Prints one line,
#   kills=N fetches_acknowledged=A unaudited=U
# on standard output (details on standard error) and exits non-zero when U > 0 or any check
# failed. Everything lives under one mktemp -d, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=100
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills="${2:?--kills takes a number}"; shift 2 ;;
        --kills=*) kills="${1#--kills=}"; shift ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "kill-test.sh: unknown argument '$1' (use --kills N)" >&2; exit 2 ;;
    esac
done
case "$kills" in '' | *[!0-9]*) echo "kill-test.sh: --kills takes a number" >&2; exit 2 ;; esac

configuration="${CONFIGURATION:-debug}"
swift build -c "$configuration" --product tokenvault >&2
binary="$(swift build -c "$configuration" --show-bin-path)/tokenvault"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TOKENVAULT_PATH="$work/vault/vault.db" TOKENVAULT_KEY_FILE="$work/vault.key" TOKENVAULT_ACTOR=kill-test
"$binary" keygen "$TOKENVAULT_KEY_FILE" >/dev/null
"$binary" init >/dev/null
printf '%s' kill-secret-1 | "$binary" add kill-test --grant kill:test:r --expires-in 90d >/dev/null
"$binary" principal add app --uid "$(id -u)" --allow kill-test:kill:test:r >/dev/null

python3 Tests/TokenVaultCLITests/Scripts/kill_test.py "$binary" "$work/kill.sock" "$work/run" --kills "$kills"
