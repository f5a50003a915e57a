"""Runs one SQL statement on a vault file with Python's sqlite3, as a writer without the key would.

    python3 sql.py VAULT STATEMENT
"""

import sqlite3
import sys

connection = sqlite3.connect(sys.argv[1], timeout=10)
with connection:
    changed = connection.execute(sys.argv[2]).rowcount
connection.close()
print(changed)
