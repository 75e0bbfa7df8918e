"""The enrollments table (and its fees): what a new enrollment is checked against, read under the right locks, and
the writes the decisions take, for one enrollment (the API) or a roster's batch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Iterable

import asyncpg

from enrollment.domain import snapshots
from enrollment.domain.enrollments import Enrollment, Facts, fingerprint
from enrollment.domain.rules import Occupancy, Span, missing, refuse
from tuoyu.errors import NotFound

async def lock_national_ids(conn: asyncpg.Connection, hashes: Iterable[str]) -> None:
    """Lock these national IDs (their keyed hashes) until the transaction ends, in one statement.

    Held while a transaction enrolls a child who carries one, so that two facilities cannot enroll the same child on
    the same day at once; enrollments of other IDs, and of children without one, never wait for it. The lock is the
    ID's row in `national_id_locks` (a row lock: an import may hold tens of thousands, which PostgreSQL's lock table
    could not): inserted the first time, or, when it exists, locked by the no-op update (`DO UPDATE`, unlike `DO
    NOTHING`, locks the row it finds, and waits for a transaction inserting the same ID). The rows are taken in
    hash order, so two transactions locking several in one call never wait for each other in a circle."""
    await conn.execute("INSERT INTO national_id_locks (id_hash) SELECT DISTINCT h FROM unnest($1::text[]) AS h "
                       "ORDER BY h ON CONFLICT (id_hash) DO UPDATE SET id_hash = excluded.id_hash", list(hashes))


async def snapshot(conn: asyncpg.Connection, enrollment_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT e.*, f.external_id AS facility, c.external_id AS child, k.external_id AS class "
        "FROM enrollments e JOIN facilities f ON f.id = e.facility_id JOIN children c ON c.id = e.child_id "
        "JOIN classes k ON k.id = e.class_id WHERE e.id = $1", enrollment_id)
    fees = await conn.fetch(
        "SELECT effective_from, fee_fen FROM enrollment_fees WHERE enrollment_id = $1 ORDER BY effective_from",
        enrollment_id)
    return snapshots.enrollment_of(row["facility"], row["external_id"], row["child"], row["class"], row["care"],
                                   row["start_on"], row["end_on"], [(f["effective_from"], f["fee_fen"]) for f in fees],
                                   row["version"])


@dataclass(slots=True)
class ForNew:
    """What `read_for_new` found: the facts to decide on, and either the enrollment that exists under the external
    id (its snapshot) or the row ids the new one would reference."""
    facts: Facts
    existing: dict | None = None
    ids: tuple[int, int, int] | None = None  # facility, child, class


async def _existing(conn: asyncpg.Connection, enrollment_id: int, created_as: str | None) -> ForNew:
    current = await snapshot(conn, enrollment_id)
    now = {**{k: current[k] for k in ("child", "class", "care", "start", "end")},
           "monthly_fee": current["fees"][0]["monthly_fee"]}
    return ForNew(Facts(existing=(json.loads(created_as) if created_as else None, now)), existing=current)


async def read_for_new(conn: asyncpg.Connection, facility_key: str, new: Enrollment) -> ForNew:
    """Lock and read what a new enrollment is checked against: two statements (three with a national ID)."""
    # The class's lock serialises capacity checks; the child's, the same-day check (its national ID's, below, the
    # same check across facilities). The facility's KEY SHARE (the lock the insert's foreign keys take anyway) lets
    # enrollments in different classes proceed side by side, while every facility-wide change (FOR UPDATE: a revocation, a class opened, an import) waits for them.
    locked = await conn.fetchrow(
        "SELECT f.id, f.revoked_on, e.id AS existing, e.created_as, k.id AS class_id, k.opened_on, k.closed_on, "
        "k.capacity, c.id AS child_id, c.birth_date, c.national_id_hash FROM facilities f "
        "JOIN classes k ON k.facility_id = f.id AND k.external_id = $3 "
        "JOIN children c ON c.facility_id = f.id AND c.external_id = $4 "
        "LEFT JOIN enrollments e ON e.facility_id = f.id AND e.external_id = $2 "
        "WHERE f.external_id = $1 FOR KEY SHARE OF f FOR UPDATE OF k, c",
        facility_key, new.external_id, new.class_, new.child)
    if locked is None:  # something it names does not exist: say what, unless the enrollment itself exists
        fid = await conn.fetchval("SELECT id FROM facilities WHERE external_id = $1", facility_key)
        if fid is None:
            raise NotFound(f"facility {facility_key!r} does not exist")
        found = await conn.fetchrow("SELECT id, created_as FROM enrollments WHERE facility_id = $1 "
                                    "AND external_id = $2", fid, new.external_id)
        if found is not None:
            return await _existing(conn, found["id"], found["created_as"])
        if await conn.fetchval("SELECT id FROM children WHERE facility_id = $1 AND external_id = $2", fid,
                               new.child) is None:
            refuse(missing("child", new.child))
        refuse(missing("class", new.class_))
    if locked["existing"] is not None:
        return await _existing(conn, locked["existing"], locked["created_as"])
    id_hash = locked["national_id_hash"]
    if id_hash is not None:
        await lock_national_ids(conn, [id_hash])
    # Read after the locks: whatever committed while this transaction waited for them is seen.
    days = await conn.fetchrow(
        "SELECT mine.ids, mine.starts, mine.ends, spans.starts AS class_starts, spans.ends AS class_ends, "
        "       other.starts AS other_starts, other.ends AS other_ends "
        "FROM (SELECT array_agg(external_id) AS ids, array_agg(start_on) AS starts, array_agg(end_on) AS ends "
        "      FROM enrollments WHERE child_id = $1 AND start_on <= $4 "
        "      AND coalesce(end_on, 'infinity'::date) >= $3) mine, "
        "     (SELECT array_agg(start_on) AS starts, array_agg(end_on) AS ends FROM enrollments "
        "      WHERE class_id = $2 AND start_on <= $4 AND coalesce(end_on, 'infinity'::date) >= $3) spans, "
        "     (SELECT array_agg(e.start_on) AS starts, array_agg(e.end_on) AS ends FROM children c "
        "      JOIN enrollments e ON e.child_id = c.id WHERE $5::text IS NOT NULL AND c.national_id_hash = $5 "
        "      AND c.facility_id <> $6 AND e.start_on <= $4 AND coalesce(e.end_on, 'infinity'::date) >= $3) other",
        locked["child_id"], locked["class_id"], new.start, new.end or date.max, id_hash, locked["id"])
    facts = Facts(revoked_on=locked["revoked_on"], birth_date=locked["birth_date"], opened_on=locked["opened_on"],
                  closed_on=locked["closed_on"],
                  occupancy=Occupancy(locked["capacity"], zip(days["class_starts"] or [], days["class_ends"] or [])),
                  child_spans=list(zip(days["ids"] or [], days["starts"] or [], days["ends"] or [])),
                  elsewhere=list(zip(days["other_starts"] or [], days["other_ends"] or [])))
    return ForNew(facts, ids=(locked["id"], locked["child_id"], locked["class_id"]))


async def insert(conn: asyncpg.Connection, ids: tuple[int, int, int], new: Enrollment) -> int:
    """The enrollment and its first fee, in one statement; answers its version."""
    fid, child_id, class_id = ids
    return await conn.fetchval(
        "WITH e AS (INSERT INTO enrollments (facility_id, child_id, class_id, external_id, care, start_on, end_on, "
        "           created_as) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id, version), "
        "fee AS (INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) SELECT id, $6, $9 FROM e) "
        "SELECT version FROM e",
        fid, child_id, class_id, new.external_id, new.care, new.start, new.end, json.dumps(new.fingerprint()),
        new.fee_fen)


async def locked(conn: asyncpg.Connection, fid: int, external_id: str) -> tuple[int, date, date | None]:
    """(id, start, end) of the facility's enrollment, locked for a change; 404 when there is none."""
    found = await conn.fetchrow("SELECT id, start_on, end_on FROM enrollments WHERE facility_id = $1 "
                                "AND external_id = $2 FOR UPDATE", fid, external_id)
    if found is None:
        raise NotFound(f"enrollment {external_id!r} does not exist at this facility")
    return found["id"], found["start_on"], found["end_on"]


async def withdraw(conn: asyncpg.Connection, enrollment_id: int, end: date) -> None:
    await conn.execute("UPDATE enrollments SET end_on = $2, version = version + 1 WHERE id = $1", enrollment_id, end)


async def fee_from(conn: asyncpg.Connection, enrollment_id: int, day: date) -> int | None:
    return await conn.fetchval("SELECT fee_fen FROM enrollment_fees WHERE enrollment_id = $1 AND effective_from = $2",
                               enrollment_id, day)


async def set_fee(conn: asyncpg.Connection, enrollment_id: int, day: date, fee_fen: int) -> None:
    await conn.execute(
        "INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) VALUES ($1,$2,$3) "
        "ON CONFLICT (enrollment_id, effective_from) DO UPDATE SET fee_fen = excluded.fee_fen",
        enrollment_id, day, fee_fen)
    await conn.execute("UPDATE enrollments SET version = version + 1 WHERE id = $1", enrollment_id)


# --- a roster's enrollments, by the batch -------------------------------------------------------------------------

async def spans_of_children(conn: asyncpg.Connection, child_ids: list[int]) -> list[tuple[int, Span]]:
    """(child id, span) for every enrollment of these children."""
    rows = await conn.fetch("SELECT child_id, external_id, start_on, end_on FROM enrollments "
                            "WHERE child_id = ANY($1::bigint[])", child_ids)
    return [(r["child_id"], (r["external_id"], r["start_on"], r["end_on"])) for r in rows]


async def elsewhere(conn: asyncpg.Connection, fid: int, hashes: list[str]) -> list[tuple[str, date, date | None]]:
    """(national-ID hash, start, end) of every enrollment at another facility of a child with one of these hashes."""
    rows = await conn.fetch(
        "SELECT c.national_id_hash, e.start_on, e.end_on FROM children c JOIN enrollments e "
        "ON e.child_id = c.id WHERE c.national_id_hash = ANY($1::text[]) AND c.facility_id <> $2", hashes, fid)
    return [(r["national_id_hash"], r["start_on"], r["end_on"]) for r in rows]


async def fingerprints(conn: asyncpg.Connection, fid: int, external_ids: list[str]
                       ) -> dict[str, tuple[dict, dict | None]]:
    """Those of these enrollments the facility has: their fingerprints now and as created, by external id."""
    rows = await conn.fetch(
        "SELECT e.external_id, e.created_as, c.external_id AS child, k.external_id AS class, e.care, "
        "e.start_on, e.end_on, (SELECT ef.fee_fen FROM enrollment_fees ef WHERE ef.enrollment_id = e.id "
        "ORDER BY ef.effective_from LIMIT 1) AS fee_fen FROM enrollments e "
        "JOIN children c ON c.id = e.child_id JOIN classes k ON k.id = e.class_id "
        "WHERE e.facility_id = $1 AND e.external_id = ANY($2::text[])", fid, external_ids)
    return {e["external_id"]: (fingerprint(e["child"], e["class"], e["care"], e["start_on"], e["end_on"],
                                           e["fee_fen"]),
                               json.loads(e["created_as"]) if e["created_as"] else None) for e in rows}


async def insert_many(conn: asyncpg.Connection, fid: int, child_ids: list[int], class_ids: list[int],
                      new: list[Enrollment], created_as: list[str]) -> None:
    """Enrollments and their first fees, one statement each (`created_as`: their fingerprints as JSON text)."""
    rows = await conn.fetch(
        "INSERT INTO enrollments (facility_id, child_id, class_id, external_id, care, start_on, end_on, "
        "created_as) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], "
        "$6::date[], $7::date[], $8::jsonb[]) RETURNING id, external_id", fid, child_ids, class_ids,
        [e.external_id for e in new], [e.care for e in new], [e.start for e in new], [e.end for e in new],
        created_as)
    ids = {r["external_id"]: r["id"] for r in rows}
    await conn.copy_records_to_table("enrollment_fees", columns=["enrollment_id", "effective_from", "fee_fen"],
                                     records=[(ids[e.external_id], e.start, e.fee_fen) for e in new])
