-- Issue 16: a single enrollment in one round trip between BEGIN and COMMIT (it took four): `enroll_attempt` takes the
-- locks, reads what the checks need, and, unless the enrollment exists already, writes it with its first fee and
-- its event's outbox row. The checks themselves stay in Python (`enrollment.domain.enrollments.decide`), run on the
-- facts this answers while the transaction still holds the locks; a refusal rolls the write back. Each statement of
-- a PL/pgSQL function takes its own snapshot (READ COMMITTED), so what committed while the locks were awaited is read.

-- One definition of locking national IDs (their keyed hashes), for the API's enrollment and the roster import's
-- batches: the ID's row, inserted or locked by the no-op update (`DO UPDATE`, unlike `DO NOTHING`, locks the row it
-- finds and waits for a transaction inserting the same ID), taken in hash order so that two callers never wait for
-- each other in a circle.
CREATE FUNCTION lock_national_ids(hashes text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO national_id_locks (id_hash) SELECT DISTINCT h FROM unnest(hashes) AS h
    ORDER BY h ON CONFLICT (id_hash) DO UPDATE SET id_hash = excluded.id_hash
$$;

-- No row: the facility, class or child named does not exist (the caller asks which). `existing` set: an enrollment
-- with this external id exists; nothing else is read or written. Else the facts, and `version` when the enrollment
-- was written (NULL when its end is before its start, which the checks refuse and the table's CHECK would reject).
CREATE FUNCTION enroll_attempt(
    p_facility text, p_enrollment text, p_class text, p_child text, p_care text, p_start date, p_end date,
    p_created_as jsonb, p_fee_fen bigint, p_event_id uuid, p_topic text, p_body bytea)
RETURNS TABLE (revoked_on date, existing bigint, created_as jsonb, opened_on date, closed_on date, capacity integer,
               birth_date date, ids text[], starts date[], ends date[], class_starts date[], class_ends date[],
               other_starts date[], other_ends date[], version integer)
LANGUAGE plpgsql AS $$
DECLARE
    l record;
    d record;
    written integer;
BEGIN
    -- The class's lock serialises capacity checks; the child's, the same-day check (its national ID's, below, the
    -- same check across facilities). The facility's KEY SHARE (the lock the insert's foreign keys take anyway) lets
    -- enrollments in different classes proceed side by side, while every facility-wide change (FOR UPDATE: a
    -- revocation, a class opened, an import) waits for them.
    SELECT f.id, f.revoked_on, e.id AS existing, e.created_as, k.id AS class_id, k.opened_on, k.closed_on,
           k.capacity, c.id AS child_id, c.birth_date, c.national_id_hash
      INTO l
      FROM facilities f
      JOIN classes k ON k.facility_id = f.id AND k.external_id = p_class
      JOIN children c ON c.facility_id = f.id AND c.external_id = p_child
      LEFT JOIN enrollments e ON e.facility_id = f.id AND e.external_id = p_enrollment
     WHERE f.external_id = p_facility
       FOR KEY SHARE OF f FOR UPDATE OF k, c;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF l.existing IS NOT NULL THEN
        RETURN QUERY SELECT l.revoked_on, l.existing, l.created_as, l.opened_on, l.closed_on, l.capacity,
                            l.birth_date, NULL::text[], NULL::date[], NULL::date[], NULL::date[], NULL::date[],
                            NULL::date[], NULL::date[], NULL::integer;
        RETURN;
    END IF;
    IF l.national_id_hash IS NOT NULL THEN
        PERFORM lock_national_ids(ARRAY[l.national_id_hash]);
    END IF;
    SELECT mine.ids, mine.starts, mine.ends, spans.starts AS class_starts, spans.ends AS class_ends,
           other.starts AS other_starts, other.ends AS other_ends
      INTO d
      FROM (SELECT array_agg(x.external_id) AS ids, array_agg(x.start_on) AS starts, array_agg(x.end_on) AS ends
              FROM enrollments x WHERE x.child_id = l.child_id AND x.start_on <= coalesce(p_end, 'infinity'::date)
               AND coalesce(x.end_on, 'infinity'::date) >= p_start) mine,
           (SELECT array_agg(x.start_on) AS starts, array_agg(x.end_on) AS ends FROM enrollments x
             WHERE x.class_id = l.class_id AND x.start_on <= coalesce(p_end, 'infinity'::date)
               AND coalesce(x.end_on, 'infinity'::date) >= p_start) spans,
           (SELECT array_agg(x.start_on) AS starts, array_agg(x.end_on) AS ends FROM children o
              JOIN enrollments x ON x.child_id = o.id
             WHERE l.national_id_hash IS NOT NULL AND o.national_id_hash = l.national_id_hash
               AND o.facility_id <> l.id AND x.start_on <= coalesce(p_end, 'infinity'::date)
               AND coalesce(x.end_on, 'infinity'::date) >= p_start) other;
    IF p_end IS NULL OR p_end >= p_start THEN
        WITH e AS (INSERT INTO enrollments (facility_id, child_id, class_id, external_id, care, start_on, end_on,
                                            created_as)
                   VALUES (l.id, l.child_id, l.class_id, p_enrollment, p_care, p_start, p_end, p_created_as)
                   RETURNING enrollments.id, enrollments.version),
             fee AS (INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen)
                     SELECT e.id, p_start, p_fee_fen FROM e),
             event AS (INSERT INTO outbox (event_id, topic, key, body) VALUES (p_event_id, p_topic, p_facility, p_body))
        SELECT e.version INTO written FROM e;
    END IF;
    RETURN QUERY SELECT l.revoked_on, NULL::bigint, NULL::jsonb, l.opened_on, l.closed_on, l.capacity, l.birth_date,
                        d.ids, d.starts, d.ends, d.class_starts, d.class_ends, d.other_starts, d.other_ends, written;
END
$$;

-- A class's enrollments that are not over by a day, found from the index alone: what a capacity check reads (and
-- the disclosure's count of places taken) now costs as many entries as the class holds children then, not every
-- child it ever held (the old index led by the start visited every past enrollment of the class).
CREATE INDEX enrollments_class_current ON enrollments (class_id, (coalesce(end_on, 'infinity'::date))) INCLUDE (start_on);
DROP INDEX enrollments_class;
