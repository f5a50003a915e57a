#!/bin/sh
# Rotation hook for a system that rotates its own tokens through an HTTP API: the current
# token authorises a call that returns a new one. See docs/rotation-hooks.md.
#
#   TOKENVAULT_API_URL          the API base URL (stored with the credential: add --api-url)
#   TOKENVAULT_ROTATE_PATH      POST endpoint that returns a new token as its body (default /tokens/rotate)
#   TOKENVAULT_TEST_PATH        GET endpoint that answers 2xx for a valid token (default /whoami)
#
# Tokens travel only through pipes: curl reads its Authorization header from stdin (-H @-),
# so no token ever appears in a process's argument list or environment.
set -eu

: "${TOKENVAULT_API_URL:?the credential has no API URL (add it with --api-url)}"
# The token goes only to an HTTPS URL, or to plain HTTP on this machine's loopback.
case "$TOKENVAULT_API_URL" in
https://* | http://127.0.0.1[:/]* | http://localhost[:/]* | "http://[::1]"[:/]*) ;;
*)
    echo "http-api: refusing to send a token to a non-HTTPS URL (https only, or http on loopback)" >&2
    exit 2
    ;;
esac
rotate_path=${TOKENVAULT_ROTATE_PATH:-/tokens/rotate}
test_path=${TOKENVAULT_TEST_PATH:-/whoami}

bearer_header() { printf 'Authorization: Bearer '; cat; printf '\n'; }

case "$TOKENVAULT_STEP" in
create)
    bearer_header | curl -fsS --max-time 30 -X POST -H @- "$TOKENVAULT_API_URL$rotate_path"
    ;;
test)
    bearer_header | curl -fsS -o /dev/null --max-time 30 -H @- "$TOKENVAULT_API_URL$test_path"
    ;;
finish)
    ;;
*)
    echo "http-api: unknown step '$TOKENVAULT_STEP'" >&2
    exit 2
    ;;
esac
