#!/usr/bin/env python3
"""A TokenVault rotation hook, protocol 2, for an ERP whose personal access tokens are managed
through an HTTP API (docs/rotation-hooks.md, "A protocol-2 hook for an HTTP token API").

  create    POST $TOKENVAULT_API_URL/v1/tokens with the current token as bearer, asking for a
            token with the credential's grants as scopes and the intended expiry; prints the new
            token, then expires_at= (the issuer's real expiry) and upstream_id= (its id).
            The request carries Idempotency-Key: CREDENTIAL_ID-vVERSION, so that a create
            repeated after a crash gets the token minted before instead of a second one.
  test      GET $TOKENVAULT_API_URL$TOKENVAULT_TEST_PATH (default /v1/whoami) with the new token.
  finish    DELETE $TOKENVAULT_API_URL/v1/tokens/self with the replaced token: revoked upstream.
  rollback  the same with the pending token that failed its test.
  revoke    the same with the token revoked in the vault.

A token is deleted with itself as the bearer, so no step needs an admin credential; 204 (deleted)
and 410 (already gone) both count as done, which makes every closing step safe to repeat.

Tokens cross only on standard input and standard output and in request headers inside this
process: never in argv, the environment or a file. A token is sent only to an https:// URL, or
to http:// on loopback.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_SECONDS = 20


def fail(message, status=1):
    print(f"http-token-api: {message}", file=sys.stderr)
    return status


def checked_base_url():
    url = os.environ.get("TOKENVAULT_API_URL", "")
    parts = urllib.parse.urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return url.rstrip("/")
    return None


def call(method, url, token, body=None, headers=()):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Authorization", "Bearer " + token)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in headers:
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, OSError) as error:
        # The reason names the connection, never a header.
        return f"no answer ({getattr(error, 'reason', error)})", b""


def main():
    step = os.environ.get("TOKENVAULT_STEP", "")
    if step == "probe":
        print("protocol=2")
        return 0
    # Always drain standard input: the secret of this step (nothing for a protocol-1 finish).
    token = sys.stdin.buffer.read().decode("ascii", "replace").strip()
    base = checked_base_url()
    if base is None:
        return fail("TOKENVAULT_API_URL must be https://, or http:// on loopback", 2)
    if not token:
        return fail(f"no token on standard input for the {step} step", 2)
    if step == "create":
        credential = os.environ.get("TOKENVAULT_CREDENTIAL_ID", "")
        version = os.environ.get("TOKENVAULT_VERSION", "")
        body = {
            "name": f"tokenvault {credential} v{version}",
            "scopes": os.environ.get("TOKENVAULT_GRANTS", "").split(),
            "expires_at": os.environ.get("TOKENVAULT_EXPIRES_AT") or None,
        }
        status, answer = call("POST", base + "/v1/tokens", token, body, [("Idempotency-Key", f"{credential}-v{version}")])
        if status not in (200, 201):
            return fail(f"the token API answered {status} to the mint request")
        minted = json.loads(answer)
        print(minted["token"])
        if minted.get("expires_at"):
            print("expires_at=" + minted["expires_at"])
        print("upstream_id=" + str(minted["id"]))
        return 0
    if step == "test":
        status, _ = call("GET", base + os.environ.get("TOKENVAULT_TEST_PATH", "/v1/whoami"), token)
        return 0 if status == 200 else fail(f"the token API answered {status} to the test request")
    if step in ("finish", "rollback", "revoke"):
        status, _ = call("DELETE", base + "/v1/tokens/self", token)
        return 0 if status in (204, 410) else fail(f"the token API answered {status} to the delete request")
    return fail(f"unknown step '{step}'", 64)


if __name__ == "__main__":
    sys.exit(main())
