#!/usr/bin/env bash
# The test command: installs missing -dev packages, builds everything (warnings are errors),
# and runs the whole suite — library against real SQLite files, the real `tokenvault`
# binary as a subprocess. Ends with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# The code follows .swift-format; `swift format format -i -r Sources Tests Package.swift` fixes it.
if swift format --version >/dev/null 2>&1; then
    swift format lint --strict --recursive Sources Tests Package.swift
else
    echo "test: swift format is not in this toolchain; formatting not checked" >&2
fi
swift build --build-tests

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build --disable-xctest 2>&1 | tee "$log" || status=$?

summary=$(grep -E "Test run with [0-9]+ tests?" "$log" | tail -n 1 || true)
total=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$summary")
failed_tests=$(grep -E "^✘ Test .* failed after" "$log" | wc -l || true)
if [ -z "$total" ]; then
    echo "test: no test summary found" >&2
    exit 1
fi
echo "$((total - failed_tests)) passed, ${failed_tests} failed"
exit "$status"
