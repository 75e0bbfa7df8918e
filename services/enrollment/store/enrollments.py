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
from tuoyu.envelope import Envelope
from tuoyu.errors import NotFound

async def lock_national_ids(conn: asyncpg.Connection, hashes: Iterable[str]) -> None:
    """Lock these national IDs (their keyed hashes) until the transaction ends, in one statement.

    Held while a transaction enrolls a child who carries one, so that two facilities cannot enroll the same child on
    the same day at once; enrollments of other IDs, and of children without one, never wait for it. The lock is the
    ID's row in `national_id_locks` (a row lock: an import may hold tens of thousands, which PostgreSQL's lock table
    could not), taken by the function `lock_national_ids` (migrations 0010, 0011), which the API's `enroll_attempt`
    calls too."""
    await conn.execute("SELECT lock_national_ids($1::text[])", list(hashes))


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
class Attempt:
    """What `attempt` found: the facts to decide on, and either the enrollment that exists under the external id (its
    snapshot) or whether the new one was written (with its event), to be kept only if the checks pass."""
    facts: Facts
    existing: dict | None = None
    written: bool = False


async def _existing(conn: asyncpg.Connection, enrollment_id: int, created_as: str | None) -> Attempt:
    current = await snapshot(conn, enrollment_id)
    now = {**{k: current[k] for k in ("child", "class", "care", "start", "end")},
           "monthly_fee": current["fees"][0]["monthly_fee"]}
    return Attempt(Facts(existing=(json.loads(created_as) if created_as else None, now)), existing=current)


async def _missing(conn: asyncpg.Connection, facility_key: str, new: Enrollment) -> Attempt:
    """Something the enrollment names does not exist: say what, unless the enrollment itself exists."""
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


async def attempt(conn: asyncpg.Connection, facility_key: str, new: Enrollment, event: Envelope, topic: str
                  ) -> Attempt:
    """Lock, read what a new enrollment is checked against and write it with its first fee and `event`'s outbox
    row, in one round trip (`enroll_attempt`, migration 0010); the caller checks the facts and rolls the
    transaction back if they refuse it."""
    row = await conn.fetchrow(
        "SELECT * FROM enroll_attempt($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12)",
        facility_key, new.external_id, new.class_, new.child, new.care, new.start, new.end,
        json.dumps(new.fingerprint()), new.fee_fen, event.id, topic, event.to_bytes())
    if row is None:
        return await _missing(conn, facility_key, new)
    if row["existing"] is not None:
        return await _existing(conn, row["existing"], row["created_as"])
    facts = Facts(revoked_on=row["revoked_on"], birth_date=row["birth_date"], opened_on=row["opened_on"],
                  closed_on=row["closed_on"],
                  occupancy=Occupancy(row["capacity"], zip(row["class_starts"] or [], row["class_ends"] or []),
                                      row["class_counts"] or []),
                  child_spans=list(zip(row["ids"] or [], row["starts"] or [], row["ends"] or [])),
                  elsewhere=list(zip(row["other_starts"] or [], row["other_ends"] or [])))
    return Attempt(facts, written=row["version"] is not None)


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
