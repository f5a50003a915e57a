-- TokenVault schema, version 6: authenticated state (see docs/security-model.md, "Writes the
-- file, holds no key").
--
-- Every row a decision, an output or a hook depends on carries a MAC under the state key (derived
-- from the vault's MAC key) over its values, its identity and the vault id, and the sequence
-- number of the audit event that last changed its credential (state_seq). A credential's grants
-- are covered by the credential row's MAC. A read refuses a row whose MAC fails, or whose
-- state_seq is not the credential's newest state-changing event in the trail (a stale row,
-- restored from an older copy).
--
-- The columns are filled in by the program on the first open with the key, in this migration's
-- transaction: the rows are authenticated as they stand, with one audited event whose sequence
-- number becomes the vault's state epoch.
ALTER TABLE vault_meta ADD COLUMN state_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE vault_meta ADD COLUMN state_mac BLOB CHECK (state_mac IS NULL OR length(state_mac) = 32);
ALTER TABLE credentials ADD COLUMN state_seq INTEGER;
ALTER TABLE credentials ADD COLUMN state_mac BLOB CHECK (state_mac IS NULL OR length(state_mac) = 32);
ALTER TABLE secret_versions ADD COLUMN state_seq INTEGER;
ALTER TABLE secret_versions ADD COLUMN state_mac BLOB CHECK (state_mac IS NULL OR length(state_mac) = 32);
ALTER TABLE name_history ADD COLUMN state_seq INTEGER;
ALTER TABLE name_history ADD COLUMN state_mac BLOB CHECK (state_mac IS NULL OR length(state_mac) = 32);

-- An event whose operation changed its credential's authenticated state (1), or not (0). Part
-- of the event's hashed encoding when 1, so that it cannot be cleared without breaking the chain.
ALTER TABLE audit_events ADD COLUMN changes_state INTEGER NOT NULL DEFAULT 0
    CHECK (changes_state = 0 OR changes_state = 1);

-- The newest state-changing event of a credential, found by every read that checks freshness.
-- Partial: the events of ordinary fetches are not in it, so a fetch does not write to it.
CREATE INDEX audit_events_state ON audit_events (credential_uid, seq) WHERE changes_state = 1;

-- Every credential that ever held a name, from the trail itself (the events that gave it the
-- name), for `audit --name`: a writer of the file cannot hide a credential's events by editing
-- name_history.
CREATE INDEX audit_events_naming ON audit_events (credential_name, credential_uid)
    WHERE credential_uid IS NOT NULL AND outcome = 'ok' AND (action = 'add' OR action = 'issue' OR action = 'rename');
