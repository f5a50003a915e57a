-- TokenVault schema, version 3: the Ed25519 key that signs audit seals (SPEC C16).
-- Created on the first `audit seal`. The private seed is wrapped (AES-256-GCM) under a key
-- derived from the vault's MAC key, which rekey re-wraps but never replaces; the public key
-- is stored in the clear so that it can be exported for auditors.
CREATE TABLE seal_keys (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    public_key   BLOB    NOT NULL CHECK (length(public_key) = 32),
    wrapped_seed BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
