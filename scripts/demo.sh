#!/usr/bin/env bash
# The demo: builds tokenvault, then on a throwaway vault under a temporary directory
# creates a key file and a vault, adds a sample scoped ERP token, fetches it for a declared
# need, shows a refused fetch, lists the credentials and prints the audit trail.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build -c release --product tokenvault >&2
bin="$(swift build -c release --show-bin-path)/tokenvault"

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export TOKENVAULT_PATH="$demo/vault/vault.db"
export TOKENVAULT_KEY_FILE="$demo/vault.key"
export TOKENVAULT_ACTOR="demo-admin"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

step tokenvault keygen "\$TOKENVAULT_KEY_FILE"
"$bin" keygen "$TOKENVAULT_KEY_FILE"
step tokenvault init
"$bin" init

step "printf %s <sample ERP token> | tokenvault add erp-procuros --grant shop-de:orders:cr --grant shop-de:items:r --expires-in 180d --issuer xentral --api-url https://erp.example.com/api"
# A made-up token for the demo; real ones come from the ERP's personal access token page.
sample="xpat_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$sample" | "$bin" add erp-procuros --grant shop-de:orders:cr --grant shop-de:items:r \
    --expires-in 180d --issuer xentral --api-url https://erp.example.com/api --description "EDI connector"
step "printf %s <old token> | tokenvault add erp-legacy --legacy --issuer xentral"
printf 'legacy-demo-token' | "$bin" add erp-legacy --legacy --issuer xentral

step "tokenvault get erp-procuros --project shop-de --resource orders --permission r | wc -c   # the connector's fetch"
"$bin" get erp-procuros --project shop-de --resource orders --permission r | wc -c
step "tokenvault get erp-procuros --project shop-at --permission d   # out of scope: refused, exit 4"
"$bin" get erp-procuros --project shop-at --permission d || echo "(exit $?)"

step tokenvault list
"$bin" list
step tokenvault show erp-procuros
"$bin" show erp-procuros
step tokenvault audit
"$bin" audit
step "tokenvault audit verify   # the trail's chain, and the vault's state against it"
"$bin" audit verify
