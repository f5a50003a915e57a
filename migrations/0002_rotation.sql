-- TokenVault schema, version 2: rotation leases and connection-test results (SPEC C10, C11, C14).

-- A rotation in progress holds a lease on its credential, so that two cron runs never rotate
-- one credential twice: the second sees a live lease and skips. A lease whose owner process
-- is gone (killed mid-rotation) or whose time has run out is taken over by the next run,
-- which resumes the pending version or starts again.
CREATE TABLE rotation_leases (
    credential_id  INTEGER PRIMARY KEY REFERENCES credentials (id),
    owner_host     TEXT    NOT NULL,
    owner_pid      INTEGER NOT NULL,
    started_at     INTEGER NOT NULL,
    lease_until    INTEGER NOT NULL
) STRICT;

-- The last connection test (C14): when, whether it passed, and a short reason.
ALTER TABLE credentials ADD COLUMN last_test_at INTEGER;
ALTER TABLE credentials ADD COLUMN last_test_ok INTEGER CHECK (last_test_ok IN (0, 1));
ALTER TABLE credentials ADD COLUMN last_test_detail TEXT;
