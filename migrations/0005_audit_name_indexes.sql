-- TokenVault schema, version 5: indexes for `audit --name` (SPEC C17).
-- A name's events are those of every credential that ever had the name (found through
-- name_history, then audit_events_credential) and the refusals that named it while no
-- credential had it (credential_uid IS NULL). Without these two indexes SQLite walked the trail
-- backwards from its newest event until it had found enough, which for a rarely used name
-- meant every event (see docs/performance.md). The second index is partial: it holds only
-- events without a credential, so a fetch or any other event of a known credential never
-- writes to it.
CREATE INDEX name_history_name ON name_history (name);
CREATE INDEX audit_events_unknown_name ON audit_events (credential_name, seq) WHERE credential_uid IS NULL;
