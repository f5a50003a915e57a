-- TokenVault schema, version 9: indexes for the admin report.
-- Refused and failed events, and seals, are few among the fetches of a busy trail. Without an
-- index the report's refusals per day and per actor, and its last seal, were a scan of every
-- event (docs/performance.md). Both indexes are partial: a successful fetch, or any successful
-- event but a seal, never writes to them.
CREATE INDEX audit_events_refused ON audit_events (at) WHERE outcome != 'ok';
CREATE INDEX audit_events_seals ON audit_events (seq) WHERE action = 'seal';
