#!/usr/bin/env bash
# Simulated power loss and I/O faults under every write path (docs/reliability.md, "Power cuts
# and I/O errors"). Opens throwaway vaults through a SQLite VFS that records each file's writes
# since its last sync (Sources/CFaultVFS): for each write path (add, issue, get, verify, rotate
# from stdin, by minting and through a protocol-2 hook with every step, revoke, delete, rename,
# edit, rotate-data-key, audit seal, rekey, principal add and remove) it cuts the power at every
# write or sync position (unsynced data dropped whole, then torn at 512-byte sectors, round
# after round up to N cuts), then fails the Nth xWrite (EIO, ENOSPC, short), xSync, xRead,
# xTruncate and xLock; after each run the vault is reopened through the normal VFS and checked:
# integrity_check, audit verify (chain and state), nothing acknowledged lost, nothing half
# applied, every secret handed out audited, and after an I/O error the documented error and
# the next operation working.
#
#   bash scripts/fault-test.sh [--cuts N] [--error-positions N] [--only OPERATION,…]
#
# N cuts per operation (default 1000); at most --error-positions call positions per method and
# error (default 200). Builds the driver (release; CONFIGURATION=debug for a debug build). Ends
# with one line,
#   cuts=… io_errors=… lost_acknowledged=0 half_applied=0 corrupt=0 secret_without_audit=0 verify_failures=0
# and exits non-zero when any of the last five is not 0. Works under one mktemp -d (on /dev/shm
# when there is one: the VFS simulates the disk, the real one need not be slow), removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

arguments=()
while [ $# -gt 0 ]; do
    case "$1" in
        --cuts | --error-positions | --only)
            [ $# -ge 2 ] || { echo "fault-test.sh: $1 takes a value" >&2; exit 2; }
            arguments+=("$1" "$2"); shift 2 ;;
        -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "fault-test.sh: unknown argument '$1' (use --cuts N, --error-positions N, --only OPERATION,…)" >&2; exit 2 ;;
    esac
done

configuration="${CONFIGURATION:-release}"
swift build -c "$configuration" --product TokenVaultFaultTest >&2
driver="$(swift build -c "$configuration" --show-bin-path)/TokenVaultFaultTest"

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work="$(mktemp -d "$base/tokenvault-faults.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$driver" "$work/campaign" "${arguments[@]}"
