#!/usr/bin/env bash
# The test suite under AddressSanitizer (with LeakSanitizer), then the library and store
# tests under ThreadSanitizer. Separate build folders; slower than scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
swift build --build-tests --sanitize=address --scratch-path .build-asan >&2
swift test --skip-build --sanitize=address --scratch-path .build-asan --disable-xctest 2>&1 | tail -3
swift build --build-tests --sanitize=thread --scratch-path .build-tsan >&2
swift test --skip-build --sanitize=thread --scratch-path .build-tsan --disable-xctest \
    --filter 'TokenVaultTests|TokenVaultStoreTests|TokenVaultCryptoTests' 2>&1 | tail -3
