"""A stand-in for an ERP's personal-access-token API on 127.0.0.1, for the protocol-2 hook's
tests (scripts/hooks/http-token-api.py). It checks scopes and expiry, and refuses PATs on the
shop-import endpoint, as the ERP does.

  POST   /v1/tokens        bearer: a live token; {"name", "scopes", "expires_at"}; header
                           Idempotency-Key: the same key returns the same token, minted once.
                           The expiry is capped at --max-days from now (the issuer's rule).
  GET    /v1/whoami        200 for a live token
  GET    /v1/orders        200 for a live token with a scope covering orders:r
  GET    /shopimport/auth  403 for any PAT
  DELETE /v1/tokens/self   204, or 410 for a token already deleted

Test control (loopback only, no auth): GET /_admin/state; POST /_admin/fail {"route", "times"}
makes the next requests to a route ("mint", "whoami", "delete") answer 503; POST /_admin/hang
{"route"} makes the next request to it do its work, then wait (at most 30 s) before answering;
GET /_admin/hanging says whether one waits. Prints its port, then serves until killed.
"""

import datetime
import http.server
import json
import secrets
import sys
import threading
import time

MAX_DAYS = int(sys.argv[2]) if len(sys.argv) > 2 else 180
lock = threading.Lock()
tokens = {}  # token -> {"id", "name", "scopes", "expires_at", "deleted"}
idempotent = {}  # key -> token
failures = {}  # route -> remaining count
hangs = set()
hanging = []
mints = [0]


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    if len(text) == 10:
        text += "T00:00:00Z"
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def add_token(value, scopes, expires_at, name="seed"):
    tokens[value] = {"id": "pat_" + secrets.token_hex(6), "name": name, "scopes": scopes, "expires_at": expires_at, "deleted": False}


def covers(scope, project, resource, permission):
    parts = scope.split(":")
    if len(parts) != 3:
        return False
    return parts[0] in ("*", project) and parts[1] in ("*", resource) and permission in parts[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def bearer(self):
        header = self.headers.get("Authorization", "")
        return header[len("Bearer "):] if header.startswith("Bearer ") else None

    def live(self):
        value = self.bearer()
        with lock:
            entry = tokens.get(value)
            if entry is None or entry["deleted"]:
                return None, value
            if entry["expires_at"] and parse_iso(entry["expires_at"]) <= now():
                return None, value
            return entry, value

    def injected(self, route):
        with lock:
            if failures.get(route, 0) > 0:
                failures[route] -= 1
                return True
        return False

    def hang_if_asked(self, route):
        with lock:
            if route not in hangs:
                return
            hangs.discard(route)
            hanging.append(route)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.05)

    def do_GET(self):
        if self.path == "/_admin/state":
            with lock:
                state = {
                    "mints": mints[0],
                    "live": sorted(v for v, e in tokens.items() if not e["deleted"]),
                    "tokens": {v: e for v, e in tokens.items()},
                }
            return self.reply(200, state)
        if self.path == "/_admin/hanging":
            with lock:
                return self.reply(200, {"hanging": list(hanging)})
        if self.path == "/shopimport/auth":
            return self.reply(403, {"error": "personal access tokens are not accepted here"})
        if self.path == "/v1/whoami":
            if self.injected("whoami"):
                return self.reply(503)
            entry, _ = self.live()
            self.hang_if_asked("whoami")
            return self.reply(200, {"id": entry["id"]}) if entry else self.reply(401)
        if self.path == "/v1/orders":
            entry, _ = self.live()
            if not entry:
                return self.reply(401)
            return self.reply(200, []) if any(covers(s, "shop", "orders", "r") for s in entry["scopes"]) else self.reply(403)
        return self.reply(404)

    def do_POST(self):
        if self.path in ("/_admin/fail", "/_admin/hang", "/_admin/seed"):
            request = self.body()
            with lock:
                if self.path == "/_admin/fail":
                    failures[request["route"]] = request.get("times", 1)
                elif self.path == "/_admin/hang":
                    hangs.add(request["route"])
                else:
                    add_token(request["token"], request["scopes"], request.get("expires_at"))
            return self.reply(204)
        if self.path != "/v1/tokens":
            return self.reply(404)
        if self.injected("mint"):
            return self.reply(503)
        entry, _ = self.live()
        if not entry:
            return self.reply(401)
        request = self.body()
        key = self.headers.get("Idempotency-Key")
        cap = now() + datetime.timedelta(days=MAX_DAYS)
        wanted = parse_iso(request["expires_at"]) if request.get("expires_at") else cap
        with lock:
            value = idempotent.get(key) if key else None
            if value is None:
                value = "pat-" + secrets.token_hex(20)
                add_token(value, list(request.get("scopes", [])), iso(min(wanted, cap)), request.get("name", ""))
                mints[0] += 1
                if key:
                    idempotent[key] = value
            minted = tokens[value]
        self.hang_if_asked("mint")
        self.reply(201, {"id": minted["id"], "token": value, "expires_at": minted["expires_at"]})

    def do_DELETE(self):
        if self.path != "/v1/tokens/self":
            return self.reply(404)
        if self.injected("delete"):
            return self.reply(503)
        value = self.bearer()
        with lock:
            entry = tokens.get(value)
            if entry is None:
                return self.reply(401)
            gone = entry["deleted"]
            entry["deleted"] = True
        self.hang_if_asked("delete")
        self.reply(410 if gone else 204)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
seed = sys.argv[1] if len(sys.argv) > 1 else ""
if seed:
    add_token(seed, ["*:*:crud"], iso(now() + datetime.timedelta(days=MAX_DAYS)))
print(server.server_address[1], flush=True)
server.serve_forever()
