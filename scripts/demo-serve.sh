#!/usr/bin/env bash
# The service demo: builds tokenvault, then on a throwaway vault adds a scoped ERP token and a
# principal for the current user, starts `tokenvault serve` on a Unix socket, fetches through
# it with curl and with the CLI as a client (no key, no vault file), shows a refusal, the
# audit trail with the authenticated actor, and stops the service with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build -c release --product tokenvault >&2
bin="$(swift build -c release --show-bin-path)/tokenvault"

demo=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
    rm -rf "$demo"
}
trap cleanup EXIT
export TOKENVAULT_PATH="$demo/vault/vault.db"
export TOKENVAULT_KEY_FILE="$demo/vault.key"
export TOKENVAULT_ACTOR="demo-admin"
socket="$demo/tokenvault.sock"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

"$bin" keygen "$TOKENVAULT_KEY_FILE"
"$bin" init
sample="xpat_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$sample" | "$bin" add erp-procuros --grant shop-de:orders:cr --grant shop-de:items:r \
    --expires-in 180d --issuer xentral --description "EDI connector" >/dev/null

step "tokenvault principal add procuros --uid $(id -u) --allow erp-procuros:shop-de:orders:r"
"$bin" principal add procuros --uid "$(id -u)" --allow erp-procuros:shop-de:orders:r
step "tokenvault serve --socket \$DEMO/tokenvault.sock &"
"$bin" serve --socket "$socket" &
server=$!
for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.05; done

step "curl --unix-socket \$DEMO/tokenvault.sock http://localhost/v1/health"
curl -s --unix-socket "$socket" http://localhost/v1/health
step "curl --unix-socket … /v1/fetch -d '{\"name\":\"erp-procuros\",\"project\":\"shop-de\",\"resource\":\"orders\",\"permission\":\"r\"}' | wc -c"
curl -s --unix-socket "$socket" http://localhost/v1/fetch \
    -d '{"name":"erp-procuros","project":"shop-de","resource":"orders","permission":"r"}' | wc -c
step "curl … /v1/fetch (permission c: outside the principal's allow list, 403)"
curl -s --unix-socket "$socket" http://localhost/v1/fetch \
    -d '{"name":"erp-procuros","project":"shop-de","resource":"orders","permission":"c"}'

step "TOKENVAULT_ADDR=\$DEMO/tokenvault.sock tokenvault get erp-procuros --project shop-de --resource orders --permission r --actor alice | wc -c   # no key, no file"
env -u TOKENVAULT_KEY_FILE -u TOKENVAULT_PATH TOKENVAULT_ADDR="$socket" \
    "$bin" get erp-procuros --project shop-de --resource orders --permission r --actor alice | wc -c

step "tokenvault audit --limit 4   # the actor is the principal; alice only as on_behalf_of"
"$bin" audit --limit 4
step "kill -TERM \$SERVER   # finishes what is under way, exits 0"
kill -TERM "$server"
wait "$server"
echo "(exit $?)"
server=""
