#!/usr/bin/env bash
# The test command: installs missing -dev packages, builds everything (warnings are errors),
# starts a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh, Unix socket only; its URL
# is exported as TOKENVAULT_TEST_POSTGRESQL) and runs the whole suite — library against real
# SQLite files, the real `tokenvault` binary as a subprocess. The cluster is stopped and removed
# at the end, also when tests fail or the script is interrupted. The library's and the CLI's tests
# then run a second time with their vaults in PostgreSQL (TOKENVAULT_TEST_ENGINE=postgresql: a
# fresh schema of the cluster per test vault); tests of what only a vault file has skip themselves
# there, each with its reason. The other targets touch no vault (the service's engine tests use an
# echo handler) and run once. Without a PostgreSQL server the PostgreSQL tests and the second pass
# are skipped, except in CI (CI=true), where that fails.
# Prints the seconds of each phase to stderr and ends with a plain "N passed, N failed" line that
# sums both passes (a test skipped in a pass counts as run, as in swift test's own summary).
set -euo pipefail
cd "$(dirname "$0")/.."

log=""
pg_dir=""
# shellcheck disable=SC2317  # run by the trap
cleanup() {
    [ -z "$log" ] || rm -f "$log"
    if [ -n "$pg_dir" ]; then
        bash scripts/pg-test-cluster.sh stop "$pg_dir" || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase_started=$SECONDS
phase_done() {
    echo "test: $1 took $((SECONDS - phase_started)) s" >&2
    phase_started=$SECONDS
}

bash scripts/setup.sh
# The code follows .swift-format; `swift format format -i -r Sources Tests Package.swift` fixes it.
if swift format --version >/dev/null 2>&1; then
    swift format lint --strict --recursive Sources Tests Package.swift
else
    echo "test: swift format is not in this toolchain; formatting not checked" >&2
fi
phase_done "setup+lint"

swift build --build-tests
phase_done "build"

if [ -x "$(pg_config --bindir 2>/dev/null)/initdb" ]; then
    # Our pid marks the cluster as ours: should this script be killed outright, the next start
    # removes it.
    pg_dir=$(bash scripts/pg-test-cluster.sh start "$$")
    TOKENVAULT_TEST_POSTGRESQL=$(cat "$pg_dir/url")
    export TOKENVAULT_TEST_POSTGRESQL
    phase_done "cluster start"
elif [ "${CI:-}" = true ]; then
    echo "test: PostgreSQL (initdb in \`pg_config --bindir\`) not found; CI needs it (install postgresql)" >&2
    exit 1
else
    echo "test: PostgreSQL not found; the PostgreSQL tests are skipped" >&2
    unset TOKENVAULT_TEST_POSTGRESQL
fi

log=$(mktemp)
status=0
swift test --skip-build --disable-xctest 2>&1 | tee "$log" || status=$?
phase_done "tests"

# The library's and the CLI's tests once more with every test vault in PostgreSQL (a schema of
# the cluster each); tests of what only a vault file has skip themselves there.
if [ -n "${TOKENVAULT_TEST_POSTGRESQL:-}" ]; then
    echo "test: the library's and the CLI's tests again, on PostgreSQL" >&2
    TOKENVAULT_TEST_ENGINE=postgresql swift test --skip-build --disable-xctest --filter 'TokenVaultTests|TokenVaultCLITests' 2>&1 |
        tee -a "$log" || status=$?
    phase_done "library and CLI tests on PostgreSQL"
fi

# Each run ends with its own summary line; a failed test's line is not one of them.
total=0
while read -r count; do total=$((total + count)); done < <(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' "$log")
failed_tests=$(grep -E "^✘ Test .* failed after" "$log" | grep -cv "^✘ Test run with" || true)
if ! grep -qE "Test run with [0-9]+ tests?" "$log"; then
    echo "test: no test summary found" >&2
    exit 1
fi
skipped_tests=$(grep -cE "^➜ Test .* skipped" "$log" || true)
echo "test: ${skipped_tests} of the tests run were skipped (their reasons are in the log)" >&2
echo "$((total - failed_tests)) passed, ${failed_tests} failed"
exit "$status"
