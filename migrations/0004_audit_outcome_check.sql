-- TokenVault schema, version 4: the same audit_events table, with its outcome check written as
-- comparisons. SQLite evaluates `outcome IN ('ok', 'denied', 'error')` by building a temporary
-- index on every insert, which cost each fetch about 6% of its instructions (see
-- docs/performance.md). Rows, hashes and MACs are copied unchanged, so the chain still verifies.
CREATE TABLE audit_events_v4 (
    seq              INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    credential_uid   TEXT,
    credential_name  TEXT,
    need_project     TEXT,
    need_resource    TEXT,
    need_permission  TEXT,
    outcome          TEXT    NOT NULL CHECK (outcome = 'ok' OR outcome = 'denied' OR outcome = 'error'),
    reason           TEXT,
    version          INTEGER,
    hash             BLOB    NOT NULL CHECK (length(hash) = 32),
    mac              BLOB    NOT NULL CHECK (length(mac) = 32)
) STRICT;
INSERT INTO audit_events_v4 SELECT seq, at, actor, action, credential_uid, credential_name, need_project,
    need_resource, need_permission, outcome, reason, version, hash, mac FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_v4 RENAME TO audit_events;
CREATE INDEX audit_events_credential ON audit_events (credential_uid, seq);
CREATE INDEX audit_events_at ON audit_events (at);
