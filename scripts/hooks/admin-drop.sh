#!/bin/sh
# Rotation hook for an ERP whose tokens only an admin can mint (e.g. Xentral's personal
# access tokens page): the admin creates the new token and drops it into a file; this hook
# picks it up. See docs/rotation-hooks.md for the protocol.
#
#   TOKENVAULT_DROP_DIR   folder the admin drops NAME.token into (default /var/lib/tokenvault/drop);
#                         it should be mode 0700 and owned by the user running tokenvault.
#   TOKENVAULT_TEST_PATH  optional API path for the test step, appended to TOKENVAULT_API_URL
#                         (e.g. /v1/accounts/me); without it the test only checks the token's shape.
#
# create: reads the dropped token, prints it, and shreds the drop file. Exits 75 (EX_TEMPFAIL)
#         while nothing has been dropped yet, so the cron run reports it and retries next time.
# test:   calls the API with the new token (sent as a header read from stdin, never in argv).
# finish: nothing to do; the admin revokes the old token in the ERP after the grace period.
set -eu

drop_dir=${TOKENVAULT_DROP_DIR:-/var/lib/tokenvault/drop}
# A credential name may hold '/', '..' or shell-special characters: it is never trusted as a
# path. Only names of letters, digits, '.', '_' and '-' (not starting with '.') get a drop file.
case "$TOKENVAULT_NAME" in
'' | .* | *[!A-Za-z0-9._-]*)
    echo "admin-drop: the name '$TOKENVAULT_NAME' is not usable as a file name; rename the credential" >&2
    exit 2
    ;;
esac
drop_file="$drop_dir/$TOKENVAULT_NAME.token"

case "$TOKENVAULT_STEP" in
create)
    cat >/dev/null   # the old token: not needed, but always drain stdin
    if [ ! -s "$drop_file" ]; then
        echo "admin-drop: no new token for '$TOKENVAULT_NAME' in $drop_file yet" >&2
        exit 75
    fi
    if [ -n "$(find "$drop_file" -perm /077 2>/dev/null)" ]; then
        echo "admin-drop: $drop_file is readable by others; refusing it (chmod 600)" >&2
        exit 1
    fi
    head -n 1 "$drop_file" | tr -d '\r\n'
    shred -u "$drop_file" 2>/dev/null || rm -f "$drop_file"
    ;;
test)
    if [ -n "${TOKENVAULT_TEST_PATH:-}" ] && [ -n "${TOKENVAULT_API_URL:-}" ]; then
        # The header line is built in a pipe, so the token never appears in any argv.
        { printf 'Authorization: Bearer '; cat; printf '\n'; } |
            curl -fsS -o /dev/null --max-time 20 -H @- "$TOKENVAULT_API_URL$TOKENVAULT_TEST_PATH"
    else
        token=$(cat)
        [ ${#token} -ge 16 ] || { echo "admin-drop: the dropped token looks too short" >&2; exit 1; }
    fi
    ;;
finish)
    echo "admin-drop: '$TOKENVAULT_NAME' now uses version $TOKENVAULT_VERSION; revoke the old token in the ERP" >&2
    ;;
*)
    echo "admin-drop: unknown step '$TOKENVAULT_STEP'" >&2
    exit 2
    ;;
esac
