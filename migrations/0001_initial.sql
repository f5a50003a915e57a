-- TokenVault schema, version 1.
-- Applied by the migrator inside one IMMEDIATE transaction and recorded in
-- schema_migrations with its SHA-256. Never edit an applied migration: add a new one.
-- All times are Unix seconds (UTC). Every table is STRICT.

-- One row: who this vault is and how its key-encryption key (KEK) is obtained.
CREATE TABLE vault_meta (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    vault_id    BLOB    NOT NULL CHECK (length(vault_id) = 16),
    created_at  INTEGER NOT NULL,
    kek_kind    TEXT    NOT NULL CHECK (kek_kind IN ('key', 'scrypt')),
    kdf_salt    BLOB,
    kdf_n       INTEGER,
    kdf_r       INTEGER,
    kdf_p       INTEGER,
    CHECK ((kek_kind = 'key') = (kdf_salt IS NULL))
) STRICT;

-- Random 256-bit keys, each wrapped (AES-256-GCM) by the KEK.
--   data: encrypts secrets; one is active, rotate-data-key replaces it.
--   mac:  root of the audit MAC key and the lookup key (token hashes, fingerprints);
--         never re-derived, so old audit events and issued tokens stay verifiable.
CREATE TABLE keys (
    id           INTEGER PRIMARY KEY,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('data', 'mac')),
    state        TEXT    NOT NULL CHECK (state IN ('active', 'destroyed')),
    wrapped      BLOB,
    created_at   INTEGER NOT NULL,
    encryptions  INTEGER NOT NULL DEFAULT 0,
    CHECK ((state = 'active') = (wrapped IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX keys_one_active ON keys (purpose) WHERE state = 'active';

-- A credential keeps its row (and its uid) for ever; delete turns it into a tombstone
-- (name NULL, secrets and grants gone) so the audit trail stays continuous.
CREATE TABLE credentials (
    id            INTEGER PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,
    name          TEXT    UNIQUE CHECK (name IS NULL OR length(name) BETWEEN 1 AND 50),
    kind          TEXT    NOT NULL CHECK (kind IN ('stored', 'issued')),
    legacy        INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1)),
    description   TEXT,
    issuer        TEXT,
    api_url       TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    deleted_at    INTEGER,
    last_used_at  INTEGER,
    last_used_by  TEXT,
    CHECK ((deleted_at IS NULL) = (name IS NOT NULL))
) STRICT;
CREATE INDEX credentials_expiry ON credentials (expires_at) WHERE deleted_at IS NULL;

-- Every name a credential has had, oldest first.
CREATE TABLE name_history (
    credential_id  INTEGER NOT NULL REFERENCES credentials (id),
    name           TEXT    NOT NULL,
    named_at       INTEGER NOT NULL,
    PRIMARY KEY (credential_id, named_at, name)
) STRICT;

-- Scopes: (project, resource, permissions); '*' is the wildcard.
CREATE TABLE grants (
    credential_id  INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    project        TEXT    NOT NULL,
    resource       TEXT    NOT NULL,
    permissions    TEXT    NOT NULL CHECK (length(permissions) BETWEEN 1 AND 4),
    PRIMARY KEY (credential_id, project, resource)
) STRICT;

-- Numbered secret versions. A stored credential's versions hold a ciphertext
-- (nonce || ciphertext || tag, associated data = vault, credential, version).
-- Every version holds a keyed fingerprint, HMAC-SHA256(lookup key, secret): for an
-- issued token it is the only thing stored (verify looks it up), for a stored secret it
-- lets `scan` recognise a leaked copy.
CREATE TABLE secret_versions (
    credential_id  INTEGER NOT NULL REFERENCES credentials (id),
    version        INTEGER NOT NULL CHECK (version >= 1),
    state          TEXT    NOT NULL CHECK (state IN ('current', 'previous', 'pending', 'revoked')),
    key_id         INTEGER REFERENCES keys (id),
    ciphertext     BLOB,
    fingerprint    BLOB    NOT NULL CHECK (length(fingerprint) = 32),
    created_at     INTEGER NOT NULL,
    valid_until    INTEGER,
    retire_on_first_use_of INTEGER,
    first_used_at  INTEGER,
    PRIMARY KEY (credential_id, version),
    CHECK ((ciphertext IS NULL) = (key_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX secret_versions_one_current ON secret_versions (credential_id) WHERE state = 'current';
CREATE INDEX secret_versions_fingerprint ON secret_versions (fingerprint);

-- The audit trail: append-only, hash-chained and MACed (see docs/audit-format.md).
CREATE TABLE audit_events (
    seq              INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    credential_uid   TEXT,
    credential_name  TEXT,
    need_project     TEXT,
    need_resource    TEXT,
    need_permission  TEXT,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
    reason           TEXT,
    version          INTEGER,
    hash             BLOB    NOT NULL CHECK (length(hash) = 32),
    mac              BLOB    NOT NULL CHECK (length(mac) = 32)
) STRICT;
CREATE INDEX audit_events_credential ON audit_events (credential_uid, seq);
CREATE INDEX audit_events_at ON audit_events (at);
