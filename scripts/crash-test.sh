#!/usr/bin/env bash
# The reliability suite at lab size (CI runs the same tests at CI size in `scripts/test.sh`):
#   kill -9 crash harness       KILLS     (default 1000; CI 40)
#   corruption mutants          MUTANTS   (default 2000; CI 120)
#   concurrent rotations/writer ROTATIONS (default 125 x 4 writers; CI 12)
#   nonce uniqueness            NONCES    (default 1000000, as CI)
# Prints the FIGURE lines that docs/reliability.md quotes.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build --build-tests >&2
export TOKENVAULT_CRASH_KILLS=${KILLS:-1000}
export TOKENVAULT_CORRUPTION_MUTANTS=${MUTANTS:-2000}
export TOKENVAULT_CONTENTION_ROTATIONS=${ROTATIONS:-125}
export TOKENVAULT_NONCE_COUNT=${NONCES:-1000000}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build --disable-xctest --filter 'ReliabilityTests|NonceTests' >"$log" 2>&1 || status=$?
grep -E '^FIGURE\|' "$log" | sed 's/^FIGURE|//'
grep -E '^✘|Test run with' "$log" || true
exit "$status"
