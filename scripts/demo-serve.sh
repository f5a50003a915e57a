#!/usr/bin/env bash
# The service demo: builds tokenvault, then on a throwaway vault adds a scoped ERP token and a
# principal for the current user, starts `tokenvault serve` on a Unix socket, fetches through
# it with curl and with the CLI as a client (no key, no vault file), shows a refusal, then the
# same over TLS on 127.0.0.1 (a throwaway CA and certificates made with openssl: a client
# certificate bound to a principal, and the CLI with TOKENVAULT_ADDR=https://…), the audit
# trail with the authenticated actors, and stops the service with SIGTERM.
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
# A throwaway PKI for the TLS listener: a CA, the server's certificate for 127.0.0.1, a client's.
pki="$demo/pki"
mkdir -m 700 "$pki"
openssl_quiet() { openssl "$@" >/dev/null 2>&1; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Demo CA" -keyout "$pki/ca.key" -out "$pki/ca.crt"
for name in server edi; do
    openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" -keyout "$pki/$name.key" -out "$pki/$name.csr"
done
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl_quiet x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 -extfile "$pki/san.ext" -out "$pki/server.crt"
openssl_quiet x509 -req -in "$pki/edi.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -days 2 -out "$pki/edi.crt"
chmod 600 "$pki"/*.key

step "tokenvault principal add edi-host --cert-fingerprint \"\$(openssl x509 -in edi.crt -noout -fingerprint -sha256)\" --allow erp-procuros:shop-de:orders:r"
"$bin" principal add edi-host --cert-fingerprint "$(openssl x509 -in "$pki/edi.crt" -noout -fingerprint -sha256)" \
    --allow erp-procuros:shop-de:orders:r
step "tokenvault serve --socket \$DEMO/tokenvault.sock --listen 127.0.0.1:0 --tls-cert server.crt --tls-key server.key --tls-client-ca ca.crt &"
"$bin" serve --socket "$socket" --listen 127.0.0.1:0 --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" \
    --tls-client-ca "$pki/ca.crt" 2>"$demo/serve.log" &
server=$!
port=""
for _ in $(seq 1 200); do
    port=$(sed -n 's/.*https:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$demo/serve.log")
    [ -S "$socket" ] && [ -n "$port" ] && break
    sleep 0.05
done
cat "$demo/serve.log"

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

step "curl --cacert ca.crt --cert edi.crt --key edi.key https://127.0.0.1:$port/v1/fetch -d '{…\"permission\":\"r\"}' | wc -c   # over TLS, by client certificate"
curl -s --cacert "$pki/ca.crt" --cert "$pki/edi.crt" --key "$pki/edi.key" "https://127.0.0.1:$port/v1/fetch" \
    -d '{"name":"erp-procuros","project":"shop-de","resource":"orders","permission":"r"}' | wc -c
step "curl --cacert ca.crt https://127.0.0.1:$port/v1/credentials   # no token, no certificate: 401"
curl -s --cacert "$pki/ca.crt" "https://127.0.0.1:$port/v1/credentials"
echo
step "TOKENVAULT_ADDR=https://127.0.0.1:$port TOKENVAULT_CA_FILE=ca.crt TOKENVAULT_CLIENT_CERT=edi.crt TOKENVAULT_CLIENT_KEY=edi.key tokenvault get erp-procuros … | wc -c"
env -u TOKENVAULT_KEY_FILE -u TOKENVAULT_PATH TOKENVAULT_ADDR="https://127.0.0.1:$port" TOKENVAULT_CA_FILE="$pki/ca.crt" \
    TOKENVAULT_CLIENT_CERT="$pki/edi.crt" TOKENVAULT_CLIENT_KEY="$pki/edi.key" \
    "$bin" get erp-procuros --project shop-de --resource orders --permission r | wc -c

step "tokenvault audit --limit 6   # the actor is the principal, with its peer; alice only as on_behalf_of"
"$bin" audit --limit 6
step "kill -TERM \$SERVER   # finishes what is under way, exits 0"
kill -TERM "$server"
wait "$server"
echo "(exit $?)"
server=""
