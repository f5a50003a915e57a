#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, reachable only through a Unix socket in a
# private directory (no TCP, so any port is free and nothing else on the machine can reach it).
#
#   dir=$(bash scripts/pg-test-cluster.sh start [OWNER_PID])   # prints only the directory
#   cat "$dir/url"   # postgresql:///tokenvault_test?host=$dir&port=$port&user=tokenvault_test
#   bash scripts/pg-test-cluster.sh stop "$dir"                # immediate stop, then rm -rf
#
# For failover tests, a synchronous streaming standby of a running cluster, and the two steps
# of a failover:
#
#   standby=$(bash scripts/pg-test-cluster.sh standby "$dir" [OWNER_PID])  # prints its directory
#   bash scripts/pg-test-cluster.sh crash "$dir"       # immediate stop, directory kept
#   bash scripts/pg-test-cluster.sh promote "$standby" # the standby becomes the primary
#
# The standby is a pg_basebackup of the primary streaming from it as `standby1`; the primary
# waits for its flush before a commit returns (synchronous_standby_names, synchronous_commit=on),
# so a commit acknowledged to a client is on both.
#
# The directory is /tmp/tokenvault-pg.XXXXXX, mode 0700. As root it belongs to the postgres
# user and initdb, pg_ctl and psql run as `runuser -u postgres --`; root reaches the socket
# anyway. Otherwise everything runs as the calling user. Local connections are trusted (the
# directory is the access control), TCP is refused. Role and database: tokenvault_test.
#
# `start` first sweeps clusters left behind by killed runs: directories of this pattern, owned
# by us (or postgres when root), whose server is not running (no data/postmaster.pid, or its
# pid is not a live postgres of that directory), and, when `start` was given OWNER_PID, whose
# server is running but whose owner has died. A directory being set up by a concurrent
# `start` is left alone.
# Everything but the directory goes to stderr.
set -euo pipefail
cd /

prefix=/tmp/tokenvault-pg.
me=$(id -u)

die() {
    echo "pg-test-cluster: $*" >&2
    exit 1
}

# Debian keeps initdb and pg_ctl off PATH.
bindir=$(pg_config --bindir 2>/dev/null || true)

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
    if [ "$me" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The pid in DIR/data/postmaster.pid when it is a live postgres serving DIR/data, else nothing.
live_postmaster() {
    local dir=$1 pid cmdline
    [ -f "$dir/data/postmaster.pid" ] || return 0
    pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    [ -d "/proc/$pid" ] || return 0
    # A recycled pid belongs to some other program: then the cluster is dead.
    if cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null); then
        [[ "$cmdline" == *"$dir/data"* ]] || return 0
    fi
    echo "$pid"
}

valid_dir() {
    [[ "$1" =~ ^/tmp/tokenvault-pg\.[A-Za-z0-9]{6}$ ]]
}

stop_dir() {
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf -- "$dir"
}

sweep() {
    local dir owner pid count=0 starter
    for dir in "$prefix"*; do
        [ "$count" -lt 100 ] || break
        count=$((count + 1))
        valid_dir "$dir" || continue
        if [ -L "$dir" ] || [ ! -d "$dir" ]; then continue; fi
        owner=$(stat -c %u -- "$dir" 2>/dev/null) || continue
        if [ "$owner" != "$me" ] && { [ "$me" -ne 0 ] || [ "$owner" != "$(id -u postgres 2>/dev/null)" ]; }; then
            continue
        fi
        pid=$(live_postmaster "$dir")
        if [ -n "$pid" ]; then
            # Running: stale only when its owner (the test run that started it) is gone.
            owner=$(cat "$dir/owner" 2>/dev/null || true)
            if ! [[ "$owner" =~ ^[0-9]+$ ]] || [ -d "/proc/$owner" ]; then continue; fi
        elif [ -e "$dir/starting" ]; then
            # Not running, and `start` had not finished: stale unless that `start` still runs.
            starter=$(cat "$dir/starting" 2>/dev/null || true)
            if [[ "$starter" =~ ^[0-9]+$ ]] && [ -d "/proc/$starter" ]; then continue; fi
        elif [ ! -e "$dir/data/postmaster.pid" ]; then
            # No marker and never started: perhaps made a moment ago by a concurrent `start` that
            # has not written its marker yet, so only stale after a minute.
            if [ -n "$(find "$dir" -maxdepth 0 -mmin -1 2>/dev/null)" ]; then continue; fi
        fi
        echo "pg-test-cluster: removing stale $dir" >&2
        stop_dir "$dir"
    done
}

dir=""  # the directory `start` is setting up; global, for its EXIT trap

# Makes the cluster directory (global `dir`), marked as being set up by us, owned by OWNER_PID
# when given; whatever goes wrong until the caller clears the traps, nothing is left behind.
new_dir() {
    local owner_pid=${1:-}
    dir=$(mktemp -d "${prefix}XXXXXX")
    echo "$$" >"$dir/starting"
    trap 'stop_dir "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    [ -z "$owner_pid" ] || echo "$owner_pid" >"$dir/owner"
    chmod 0700 "$dir"
    if [ "$me" -eq 0 ]; then
        chown postgres:postgres "$dir"
    fi
}

# A port for a new server, at random in 20000-60000.
random_port() {
    echo $((20000 + (RANDOM * 32768 + RANDOM) % 40001))
}

# Starts the server of DIR/data on PORT: Unix socket in DIR only, durable commits. When it does
# not start, its log goes to stderr and the script dies saying "the WHAT did not start".
start_server() {
    as_owner "$bindir/pg_ctl" -s -w -t 60 -D "$1/data" -l "$1/log" start -o \
        "-c listen_addresses='' -c unix_socket_directories='$1' -p $2 -c fsync=on -c synchronous_commit=on -c max_connections=300 -c shared_buffers=64MB" \
        >&2 || {
        cat "$1/log" >&2 || true
        die "the $3 did not start"
    }
}

start() {
    local owner_pid=${1:-} port url
    [ -x "$bindir/initdb" ] || die "no PostgreSQL server (initdb) found; install postgresql"
    if [ -n "$owner_pid" ] && ! [[ "$owner_pid" =~ ^[0-9]+$ ]]; then
        die "OWNER_PID must be a number, not '$owner_pid'"
    fi
    if [ "$me" -eq 0 ]; then
        id -u postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to run the server as"
    fi

    sweep

    new_dir "$owner_pid"

    # --no-sync: initdb's own flush of the new files; a throwaway cluster does not outlive a crash
    # of the machine, and on a busy disk that flush doubles the start time. The server itself
    # runs with fsync=on and synchronous_commit=on, as a real one would.
    if ! as_owner "$bindir/initdb" -D "$dir/data" -E UTF8 --no-locale --auth-local=trust --auth-host=reject \
        -U postgres --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi

    port=$(random_port)
    [ ! -e "$dir/.s.PGSQL.$port" ] || die "$dir/.s.PGSQL.$port exists already"
    start_server "$dir" "$port" server

    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE tokenvault_test LOGIN" \
        -c "CREATE DATABASE tokenvault_test OWNER tokenvault_test" >&2 ||
        die "could not create the role and database tokenvault_test"

    url="postgresql:///tokenvault_test?host=$dir&port=$port&user=tokenvault_test"
    "$bindir/psql" -X -q -At "$url" -c "SELECT 1" >/dev/null ||
        die "the cluster does not answer at $url as $(id -un)"
    echo "$url" >"$dir/url"
    rm -f "$dir/starting"
    trap - EXIT INT TERM
    echo "$dir"
}

# The port in DIR/url.
port_of() {
    sed -nE 's/.*[?&]port=([0-9]+).*/\1/p' "$1/url"
}

# Runs SQL on the cluster in DIR as postgres; prints the result unaligned.
sql_on() {
    as_owner "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$1" -p "$(port_of "$1")" -U postgres -d postgres -c "$2"
}

standby() {
    local primary=${1:-} owner_pid=${2:-} port primary_port state waited=0
    valid_dir "$primary" && [ -f "$primary/url" ] || die "usage: $0 standby DIR (a running cluster this script started)"
    primary_port=$(port_of "$primary")
    new_dir "$owner_pid"
    local conninfo="host=$primary port=$primary_port user=postgres application_name=standby1"
    if ! as_owner "$bindir/pg_basebackup" -d "$conninfo" -D "$dir/data" -X stream -R --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1; then
        cat "$dir/basebackup.log" >&2
        die "pg_basebackup failed"
    fi
    echo "primary_conninfo = '$conninfo'" | as_owner tee -a "$dir/data/postgresql.auto.conf" >/dev/null
    port=$(random_port)
    [ "$port" != "$primary_port" ] || port=$((port + 1))
    start_server "$dir" "$port" standby
    sql_on "$primary" "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" >/dev/null
    sql_on "$primary" "SELECT pg_reload_conf()" >/dev/null
    while :; do
        state=$(sql_on "$primary" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'" || true)
        [ "$state" != sync ] || break
        waited=$((waited + 1))
        [ "$waited" -lt 300 ] || die "the standby did not become synchronous within 30 s (state: '$state')"
        sleep 0.1
    done
    sed -E "s#host=[^&]*#host=$dir#; s#port=[0-9]+#port=$port#" "$primary/url" >"$dir/url"
    rm -f "$dir/starting"
    trap - EXIT INT TERM
    echo "$dir"
}

crash() {
    valid_dir "${1:-}" || die "usage: $0 crash DIR"
    as_owner "$bindir/pg_ctl" -D "$1/data" -m immediate -w -t 30 stop >/dev/null
}

promote() {
    valid_dir "${1:-}" || die "usage: $0 promote DIR"
    as_owner "$bindir/pg_ctl" -D "$1/data" -w -t 60 promote >/dev/null
}

stop() {
    dir=${1:-}
    [ -n "$dir" ] || die "usage: $0 stop DIR"
    dir=${dir%/}
    valid_dir "$dir" || die "refusing to remove '$dir': not a /tmp/tokenvault-pg.XXXXXX directory"
    [ ! -L "$dir" ] || die "refusing to remove '$dir': a symbolic link"
    [ -e "$dir" ] || return 0
    stop_dir "$dir"
}

case "${1:-}" in
start)
    shift
    start "$@"
    ;;
stop)
    shift
    stop "$@"
    ;;
standby | crash | promote)
    command=$1
    shift
    "$command" "$@"
    ;;
*)
    echo "usage: $0 start [OWNER_PID] | stop DIR | standby DIR [OWNER_PID] | crash DIR | promote DIR" >&2
    exit 2
    ;;
esac
