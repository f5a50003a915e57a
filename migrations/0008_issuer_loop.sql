-- TokenVault schema, version 8: the rotation loop with the issuer, a hook per credential, and
-- issuer policies (see docs/rotation-hooks.md).
--
-- Every new column is authenticated state, covered by its row's MAC (docs/security-model.md):
-- a row whose new columns all hold their defaults encodes exactly as before, so the rows of a
-- schema-7 vault keep their MACs.

-- The hook that rotates, tests and revokes this credential when a command names none: run as
-- `/bin/sh -c HOOK`.
ALTER TABLE credentials ADD COLUMN hook TEXT;

-- What the issuer said about a version: its id for the token (`upstream_id=` from a protocol-2
-- `create` step), and the token's real expiry (`expires_at=`), which the credential takes when
-- the version becomes current.
ALTER TABLE secret_versions ADD COLUMN upstream_id TEXT;
ALTER TABLE secret_versions ADD COLUMN upstream_expires_at INTEGER;

-- A hook step this version still owes the issuer, recorded in the transaction that made it due
-- and cleared in the one that records its success, so that a crash between the two retries it:
-- 'rollback' (a pending version that failed its test or was discarded), 'finish' (a replaced
-- version, once it is no longer valid in the vault), 'revoke' (revoked in the vault). With the
-- attempts so far and the last failure; closed_at is when the issuer confirmed it closed.
-- Checks are written with `=` and `OR`, not `IN (…)` (see migration 7).
ALTER TABLE secret_versions ADD COLUMN owed_step TEXT
    CHECK (owed_step IS NULL OR owed_step = 'rollback' OR owed_step = 'finish' OR owed_step = 'revoke');
ALTER TABLE secret_versions ADD COLUMN owed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (owed_attempts >= 0);
ALTER TABLE secret_versions ADD COLUMN owed_detail TEXT;
ALTER TABLE secret_versions ADD COLUMN closed_at INTEGER;
CREATE INDEX secret_versions_owed ON secret_versions (credential_id) WHERE owed_step IS NOT NULL;

-- The longest lifetime an issuer allows its non-legacy tokens created since a date. A removed
-- policy stays as a tombstone (max_lifetime null) so that its removal, like every change, is the
-- state of the newest event naming it in the trail (credential_uid 'policy:ISSUER'): a row
-- deleted, restored from an older copy or edited by a writer without the key is refused.
CREATE TABLE issuer_policies (
    issuer       TEXT    PRIMARY KEY,
    max_lifetime INTEGER CHECK (max_lifetime IS NULL OR max_lifetime > 0),
    since        INTEGER NOT NULL,
    state_seq    INTEGER NOT NULL,
    state_mac    BLOB    NOT NULL CHECK (length(state_mac) = 32)
) STRICT;
