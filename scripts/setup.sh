#!/usr/bin/env bash
# Makes sure the C libraries TokenVault links against are installed:
# libsqlite3-dev, libssl-dev (OpenSSL 3) and pkg-config, and the tools the tests use as real
# clients of the service (curl, python3). Installs them with apt-get when
# run as root on Debian/Ubuntu; otherwise says what to install and fails.
# Also Debian's chromium, the browser the report page is tested in: installed when run as
# root and missing; where it cannot be installed, those tests are skipped with a message.
set -euo pipefail

missing=()
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
[ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: missing ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing chromium (the report page's browser tests)" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
            echo "setup: chromium could not be installed; the browser tests of the report page will be skipped" >&2
    else
        echo "setup: chromium is missing; the browser tests of the report page will be skipped" >&2
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain (6.2 or later) is not on PATH" >&2
    exit 1
fi
