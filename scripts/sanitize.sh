#!/usr/bin/env bash
# The test suite under AddressSanitizer (with LeakSanitizer), then the library and store
# tests under ThreadSanitizer. Separate build folders; slower than scripts/test.sh.
# Full logs go to .build-asan/asan.log and .build-tsan/tsan.log; the summaries are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1"
status=0

swift build --build-tests --sanitize=address --scratch-path .build-asan >&2
swift test --skip-build --sanitize=address --scratch-path .build-asan --disable-xctest >.build-asan/asan.log 2>&1 || status=$?
grep -E 'Test run with|^SUMMARY: (Address|Leak)Sanitizer|ERROR: AddressSanitizer' .build-asan/asan.log || true

swift build --build-tests --sanitize=thread --scratch-path .build-tsan >&2
swift test --skip-build --sanitize=thread --scratch-path .build-tsan --disable-xctest \
    --filter 'TokenVaultTests|TokenVaultStoreTests|TokenVaultCryptoTests' >.build-tsan/tsan.log 2>&1 || status=$?
grep -E 'Test run with|^SUMMARY: ThreadSanitizer|WARNING: ThreadSanitizer' .build-tsan/tsan.log | sort | uniq -c || true
exit "$status"
