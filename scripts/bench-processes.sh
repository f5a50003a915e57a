# The processes a benchmark script starts, and how it stops them: sourced by bench-serve.sh,
# bench-tls.sh and bench-postgres.sh, which record every process they start in `pids` and stop
# what is left from their EXIT trap.
# shellcheck shell=bash

pids=()
stop_pid() {  # PID [TENTHS]: SIGTERM, up to 15 s (or TENTHS/10 s), then SIGKILL; reaped and forgotten
    local pid="$1" tenths="${2:-150}" i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < tenths; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}
forget_pid() {  # PID: reaped already; never signalled again (its number may be reused)
    local i kept=()
    for i in "${pids[@]}"; do [ "$i" = "$1" ] || kept+=("$i"); done
    pids=("${kept[@]}")
}
