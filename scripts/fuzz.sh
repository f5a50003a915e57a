#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer + AddressSanitizer (from the Swift
# toolchain): durations, dates, issued tokens, seals, grants, sealed boxes, endpoint paths,
# HTTP requests, JSON text, HTTP responses, .env files, the abstract socket names of systemd's
# credential requests.
#   SECONDS_PER_RUN=120 bash scripts/fuzz.sh
# New inputs that increase coverage land in a scratch copy of Tests/Fuzz/corpus; a crash
# leaves crash-* files to add to the corpus (after the fix) so the tests replay them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scratch=.build-fuzz
swift build --scratch-path "$scratch" --product TokenVaultFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Tests/Fuzz/corpus/* "$work/"
status=0
"$scratch/debug/TokenVaultFuzz" -max_total_time="${SECONDS_PER_RUN:-60}" -timeout=5 -artifact_prefix=./fuzz- "$work" \
    2>"$work.log" || status=$?
grep -E '^(Done|INFO: Seed|#[0-9]+ +DONE)|ERROR|crash' "$work.log" | tail -5
runs=$(sed -nE 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1 inputs in \2 s/p' "$work.log")
echo "fuzz: ${runs:-?}; corpus grew from $(ls Tests/Fuzz/corpus | wc -l) to $(ls "$work" | wc -l) inputs; exit $status"
rm -f "$work.log"
exit "$status"
