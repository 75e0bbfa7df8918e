-- Issue 14: one row per national ID (its keyed hash), locked by every transaction that enrolls a child carrying it,
-- so that two facilities cannot enroll the same child on the same day at once while enrollments of other IDs never
-- wait. A row, not an advisory lock per ID: row locks live in the row, not in PostgreSQL's shared lock table, so a
-- roster import of 50,000 IDs may hold them all (`max_locks_per_transaction` would allow a few thousand).
CREATE TABLE national_id_locks (id_hash text PRIMARY KEY);
