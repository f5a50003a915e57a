-- TokenVault schema, version 7: the service's principals, and who an audit event's actor is.
--
-- A principal is a caller of `tokenvault serve`, recognised by the kernel's peer credentials on
-- the Unix socket (a user id or a group id) or by a bearer access token, which is stored only as
-- its keyed hash. Its allow list says which credentials it may fetch, for which needs. Every row
-- is authenticated state: a MAC under the state key over its values, its identity and the vault
-- id, and the sequence number of the audit event that last changed it (state_seq), which must be
-- that principal's newest state-changing event in the trail. Principal events name the principal
-- in the event's credential_uid and credential_name columns.
CREATE TABLE principals (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL UNIQUE,
    match_kind  TEXT    NOT NULL CHECK (match_kind = 'uid' OR match_kind = 'gid' OR match_kind = 'token'),
    match_id    INTEGER CHECK ((match_kind = 'token') = (match_id IS NULL)),
    token_hash  BLOB    UNIQUE CHECK ((match_kind = 'token') = (token_hash IS NOT NULL) AND (token_hash IS NULL OR length(token_hash) = 32)),
    admin       INTEGER NOT NULL CHECK (admin = 0 OR admin = 1),
    allow       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    state_seq   INTEGER NOT NULL,
    state_mac   BLOB    NOT NULL CHECK (length(state_mac) = 32)
) STRICT;
CREATE UNIQUE INDEX principals_match ON principals (match_kind, match_id) WHERE match_id IS NOT NULL;

-- Who acted: 'principal' when the service authenticated the caller (actor = principal:NAME, and
-- peer = "uid=U pid=P" or "token=ID"), 'declared' when the actor is a name the caller gave (the
-- embedded mode), 'unauthenticated' for a caller of the service that maps to no principal (actor
-- 'unauthenticated', and the peer). A name a service caller declares is kept as on_behalf_of, never as the actor.
-- Hashed into the chain when actor_kind is set; older events (null) encode exactly as before.
-- The check is written with `=` and `OR`, not `IN (…)`: for `IN` SQLite builds a temporary index
-- on every insert (as migration 4 found for `outcome`), and every fetch appends an event.
ALTER TABLE audit_events ADD COLUMN actor_kind TEXT
    CHECK (actor_kind IS NULL OR actor_kind = 'declared' OR actor_kind = 'principal' OR actor_kind = 'unauthenticated');
ALTER TABLE audit_events ADD COLUMN peer TEXT;
ALTER TABLE audit_events ADD COLUMN on_behalf_of TEXT;
