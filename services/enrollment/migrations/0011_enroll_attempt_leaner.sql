-- Issue 16, PostgreSQL's and Python's work per single enrollment: `enroll_attempt` (migration 0010's otherwise) hands
-- the capacity check a class's enrollments grouped by their dates, with how many share them (most of a class starts
-- on the same few days), instead of one pair of dates per enrollment, so the check's work in Python and the answer's
-- size no longer grow with the class; its statements are planned once per connection, not at every call; and
-- `lock_national_ids` becomes PL/pgSQL for the same reason.
DROP FUNCTION enroll_attempt(text, text, text, text, text, date, date, jsonb, bigint, uuid, text, bytea);

CREATE FUNCTION enroll_attempt(
    p_facility text, p_enrollment text, p_class text, p_child text, p_care text, p_start date, p_end date,
    p_created_as jsonb, p_fee_fen bigint, p_event_id uuid, p_topic text, p_body bytea)
RETURNS TABLE (revoked_on date, existing bigint, created_as jsonb, opened_on date, closed_on date, capacity integer,
               birth_date date, ids text[], starts date[], ends date[], class_starts date[], class_ends date[],
               class_counts integer[], other_starts date[], other_ends date[], version integer)
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
                            NULL::integer[], NULL::date[], NULL::date[], NULL::integer;
        RETURN;
    END IF;
    IF l.national_id_hash IS NOT NULL THEN
        PERFORM lock_national_ids(ARRAY[l.national_id_hash]);
    END IF;
    SELECT mine.ids, mine.starts, mine.ends, spans.starts AS class_starts, spans.ends AS class_ends,
           spans.counts AS class_counts,
           other.starts AS other_starts, other.ends AS other_ends
      INTO d
      FROM (SELECT array_agg(x.external_id) AS ids, array_agg(x.start_on) AS starts, array_agg(x.end_on) AS ends
              FROM enrollments x WHERE x.child_id = l.child_id AND x.start_on <= coalesce(p_end, 'infinity'::date)
               AND coalesce(x.end_on, 'infinity'::date) >= p_start) mine,
           (SELECT array_agg(g.start_on) AS starts, array_agg(g.end_on) AS ends, array_agg(g.n) AS counts
              FROM (SELECT x.start_on, x.end_on, count(*)::integer AS n FROM enrollments x
                     WHERE x.class_id = l.class_id AND x.start_on <= coalesce(p_end, 'infinity'::date)
                       AND coalesce(x.end_on, 'infinity'::date) >= p_start
                     GROUP BY x.start_on, x.end_on) g) spans,
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
                        d.ids, d.starts, d.ends, d.class_starts, d.class_ends, d.class_counts, d.other_starts,
                        d.other_ends, written;
END
$$;

-- The function's statements planned once per connection, not at every call: PL/pgSQL caches each statement's plan,
-- but the plan cache would go on making a custom plan for every call's parameters (the join with its row locks, the
-- three aggregates, the inserts), which cost PostgreSQL more CPU than running them. Every parameter here is a key
-- or a date compared through an index, for which the generic plan is the custom one.
ALTER FUNCTION enroll_attempt SET plan_cache_mode = force_generic_plan;

-- The same statement as migration 0010's `lock_national_ids`, in PL/pgSQL: PostgreSQL 15 plans a SQL-language
-- function's statement at every call, PL/pgSQL once per connection (35 → 13 µs a call, measured alone).
CREATE OR REPLACE FUNCTION lock_national_ids(hashes text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO national_id_locks (id_hash) SELECT DISTINCT h FROM unnest(hashes) AS h
    ORDER BY h ON CONFLICT (id_hash) DO UPDATE SET id_hash = excluded.id_hash;
END
$$;
