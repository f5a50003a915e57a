-- TokenVault schema, version 10: principals recognised by a TLS client certificate or by a
-- systemd unit.
--
-- 'certificate': a caller of the TLS listener whose client certificate's SHA-256 fingerprint
-- (lowercase hex, 64 characters) is match_text. 'unit': a systemd unit that loads a credential
-- through the credentials socket (LoadCredential=), its unit name in match_text. SQLite cannot
-- change a CHECK in place, so the table is rebuilt; rows and their MACs are copied unchanged
-- (a row without match_text encodes exactly as before, so every seal still holds).
CREATE TABLE principals_v10 (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL UNIQUE,
    match_kind  TEXT    NOT NULL CHECK (
        match_kind = 'uid' OR match_kind = 'gid' OR match_kind = 'token' OR match_kind = 'certificate' OR match_kind = 'unit'
    ),
    match_id    INTEGER CHECK ((match_kind = 'uid' OR match_kind = 'gid') = (match_id IS NOT NULL)),
    match_text  TEXT    CHECK ((match_kind = 'certificate' OR match_kind = 'unit') = (match_text IS NOT NULL)),
    token_hash  BLOB    UNIQUE CHECK ((match_kind = 'token') = (token_hash IS NOT NULL) AND (token_hash IS NULL OR length(token_hash) = 32)),
    admin       INTEGER NOT NULL CHECK (admin = 0 OR admin = 1),
    allow       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    state_seq   INTEGER NOT NULL,
    state_mac   BLOB    NOT NULL CHECK (length(state_mac) = 32)
) STRICT;
INSERT INTO principals_v10 (id, uid, name, match_kind, match_id, match_text, token_hash, admin, allow, created_at, state_seq, state_mac)
    SELECT id, uid, name, match_kind, match_id, NULL, token_hash, admin, allow, created_at, state_seq, state_mac FROM principals ORDER BY id;
DROP TABLE principals;
ALTER TABLE principals_v10 RENAME TO principals;
CREATE UNIQUE INDEX principals_match ON principals (match_kind, match_id) WHERE match_id IS NOT NULL;
CREATE UNIQUE INDEX principals_match_text ON principals (match_kind, match_text) WHERE match_text IS NOT NULL;
