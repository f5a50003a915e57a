#!/usr/bin/env bash
# Makes sure the C libraries TokenVault builds against are installed:
# libsqlite3-dev, libssl-dev (OpenSSL 3), libpq-dev (the PostgreSQL client's headers and
# pg_config) and pkg-config, and the tools the tests use as real clients of the service
# (curl, python3). Installs them with apt-get when run as root on Debian/Ubuntu; otherwise
# says what to install and fails.
# Also the PostgreSQL server that scripts/pg-test-cluster.sh runs a throwaway cluster of for
# the tests (initdb in `pg_config --bindir`): installed when run as root and missing, with
# Debian's automatic system cluster turned off first (create_main_cluster = false) so that
# nothing is created or started on port 5432. Where it cannot be installed, CI (CI=true)
# fails; elsewhere the PostgreSQL tests are skipped with a message.
# Also Debian's chromium, the browser the report page is tested in: installed when run as
# root and missing; where it cannot be installed, those tests are skipped with a message.
set -euo pipefail

missing=()
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
[ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev)
[ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
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

# Turns off Debian's automatic "main" cluster, which installing a server package would create
# and start on port 5432; the tests run their own (scripts/pg-test-cluster.sh).
no_main_cluster() {
    local conf=/etc/postgresql-common/createcluster.conf
    mkdir -p "${conf%/*}"
    if [ -f "$conf" ] && grep -qE '^[#[:space:]]*create_main_cluster[[:space:]]*=' "$conf"; then
        sed -i -E 's/^[#[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' "$conf"
    else
        echo "create_main_cluster = false" >>"$conf"
    fi
}

if [ ! -x "$(pg_config --bindir 2>/dev/null)/initdb" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing postgresql (the server of the tests' throwaway cluster)" >&2
        # postgresql-common first: its postinst writes createcluster.conf (through ucf, which
        # would ask about a file already there), and it creates no cluster itself.
        {
            apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common >/dev/null &&
                no_main_cluster &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        } || true
    fi
    if [ ! -x "$(pg_config --bindir 2>/dev/null)/initdb" ]; then
        if [ "${CI:-}" = true ]; then
            echo "setup: the PostgreSQL server (initdb) is missing; install it (e.g. sudo apt-get install postgresql)" >&2
            exit 1
        fi
        echo "setup: the PostgreSQL server (initdb) is missing; the PostgreSQL tests will be skipped" \
            "(install it with e.g. sudo apt-get install postgresql)" >&2
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
