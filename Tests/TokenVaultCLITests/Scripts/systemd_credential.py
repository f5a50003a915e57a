"""Plays systemd's part in LoadCredential=ID:SOCKET: asks `tokenvault serve --credentials-socket`
for one credential.

    python3 systemd_credential.py SOCKET UNIT ID [options]

As the service manager does (systemd.exec(5), "Credentials"): binds an AF_UNIX stream socket to
the abstract name "\\0RANDOM/unit/UNIT/ID" (RANDOM: a random 64-bit number in lowercase hex),
connects to SOCKET, shuts down its writing side, and reads until the end of the stream. Prints
one JSON document: {"connected", "error", "received" (latin-1 text), "received_bytes", "eof",
"seconds", "uid"}.

Options:
    --name TEXT        bind to the abstract name "\\0TEXT" instead (UNIT and ID are then unused)
    --path PATH        bind to the socket file PATH instead (not abstract)
    --unnamed          do not bind at all
    --as-uid UID       drop to this user id (and group id) before connecting (needs root)
    --hold SECONDS     after connecting, wait this long before reading (a peer that does not read)

Every wait is bounded: the connection and each read time out after 10 s.
"""

import json
import os
import random
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository


def main():
    arguments = sys.argv[1:]
    if len(arguments) < 3:
        sys.exit(__doc__)
    path, unit, credential = arguments[:3]
    options = arguments[3:]
    name = "%x/unit/%s/%s" % (random.getrandbits(64), unit, credential)
    address = "\0" + name
    hold = 0.0
    uid = None
    index = 0
    while index < len(options):
        option = options[index]
        if option == "--name":
            address = "\0" + options[index + 1]
            index += 2
        elif option == "--path":
            address = options[index + 1]
            index += 2
        elif option == "--unnamed":
            address = None
            index += 1
        elif option == "--as-uid":
            uid = int(options[index + 1])
            index += 2
        elif option == "--hold":
            hold = float(options[index + 1])
            index += 2
        else:
            sys.exit("unknown option " + option)

    if uid is not None and os.getuid() != uid:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    result = {"connected": False, "error": None, "received": "", "received_bytes": 0, "eof": False, "uid": os.getuid()}
    started = time.monotonic()
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(10)
    try:
        if address is not None:
            client.bind(address)
        client.connect(path)
        result["connected"] = True
        # systemd writes nothing: it shuts its writing side down at once.
        client.shutdown(socket.SHUT_WR)
        if hold > 0:
            time.sleep(hold)
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(received) <= 1 << 20:
            chunk = client.recv(65536)
            if not chunk:
                result["eof"] = True
                break
            received += chunk
        result["received"] = received.decode("latin-1")
        result["received_bytes"] = len(received)
    except OSError as error:
        result["error"] = error.strerror or str(error)
    finally:
        client.close()
    result["seconds"] = time.monotonic() - started
    print(json.dumps(result))


if __name__ == "__main__":
    main()
