#!/usr/bin/env bash
# Makes docs/report.png, the README's picture of `tokenvault report --html`: the test that
# renders a lived-in vault's page in headless Chromium keeps its screenshot there.
#
#   bash scripts/report-screenshot.sh [OUT.png]     (default docs/report.png; about a minute)
#
# Needs Debian's chromium (scripts/setup.sh installs it when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/report.png}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
bash scripts/setup.sh
command -v chromium >/dev/null 2>&1 || { echo "report-screenshot: chromium is not installed" >&2; exit 1; }
swift build --build-tests >&2
rm -f "$out"
TOKENVAULT_REPORT_SCREENSHOT="$out" swift test --skip-build --disable-xctest --filter "ReportHTMLTests/browserDrawsTheCharts" >&2
[ -s "$out" ] || { echo "report-screenshot: the test left no screenshot" >&2; exit 1; }
echo "$out"
