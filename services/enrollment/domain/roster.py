"""A facility's roster: classes, families, children and enrollments, withdrawals and fee changes.

Each function runs inside the caller's transaction and returns the events to put in the outbox.
Creating a record whose external_id exists returns it unchanged when the content is the same, 409 otherwise.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import snapshots
from enrollment.domain.models import FeeChange, NewChild, NewClass, NewEnrollment, NewFamily, Withdrawal
from tuoyu.envelope import Envelope
from tuoyu.errors import Conflict, InvalidInput, NotFound
from tuoyu.hashing import keyed_hash
from tuoyu.money import format_cny, parse_cny

Events = list[Envelope]


def _same_or_conflict(kind: str, external_id: str, existing: dict, wanted: dict) -> None:
    differing = sorted(k for k, v in wanted.items() if existing.get(k) != v)
    if differing:
        raise Conflict(f"{kind} {external_id!r} already exists with other content ({', '.join(differing)})")


async def _id_of(conn: asyncpg.Connection, table: str, fid: int, external_id: str, field: str) -> int:
    found = await conn.fetchval(f"SELECT id FROM {table} WHERE facility_id = $1 AND external_id = $2",
                                fid, external_id)
    if found is None:
        raise InvalidInput(field, f"no {table[:-1] if table != 'children' else 'child'} {external_id!r} "
                                  f"at this facility")
    return found


async def _refuse_if_revoked(conn: asyncpg.Connection, fid: int) -> None:
    revoked_on = await conn.fetchval("SELECT revoked_on FROM facilities WHERE id = $1", fid)
    if revoked_on is not None:
        raise InvalidInput("facility", f"the facility was revoked on {revoked_on} and accepts nothing new")


async def open_class(conn, fid: int, facility_key: str, new: NewClass) -> tuple[dict, bool, Events]:
    if new.closed_on and new.closed_on < new.opened_on:
        raise InvalidInput("closed_on", "must be on or after opened_on")
    row = await conn.fetchrow(
        "INSERT INTO classes (facility_id, external_id, name, opened_on, closed_on, capacity) "
        "VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (facility_id, external_id) DO NOTHING RETURNING id",
        fid, new.external_id, new.name, new.opened_on, new.closed_on, new.capacity)
    if row is None:
        existing = await snapshots.klass(conn, await _id_of(conn, "classes", fid, new.external_id, "external_id"))
        _same_or_conflict("class", new.external_id, existing, new.model_dump(mode="json"))
        return existing, False, []
    await _refuse_if_revoked(conn, fid)
    snapshot = await snapshots.klass(conn, row["id"])
    return snapshot, True, [snapshots.event("ClassOpened", new.opened_on, facility_key, **{"class": snapshot})]


async def register_family(conn, fid: int, facility_key: str, new: NewFamily, today: date) -> tuple[dict, bool, Events]:
    row = await conn.fetchrow(
        "INSERT INTO families (facility_id, external_id, name) VALUES ($1,$2,$3) "
        "ON CONFLICT (facility_id, external_id) DO NOTHING RETURNING id", fid, new.external_id, new.name)
    if row is None:
        family_id = await _id_of(conn, "families", fid, new.external_id, "external_id")
        existing = await snapshots.family(conn, family_id)
        return existing, False, []
    snapshot = await snapshots.family(conn, row["id"])
    return snapshot, True, [snapshots.event("FamilyRegistered", today, facility_key, family=snapshot)]


async def register_child(conn, fid: int, facility_key: str, new: NewChild, pepper: str, today: date
                         ) -> tuple[dict, bool, Events]:
    family_id = await _id_of(conn, "families", fid, new.family, "family")
    if new.birth_date > today:
        raise InvalidInput("birth_date", "must not be in the future")
    id_hash = keyed_hash(pepper, new.national_id) if new.national_id else None
    row = await conn.fetchrow(
        "INSERT INTO children (facility_id, family_id, external_id, birth_date, birth_order, national_id_hash) "
        "VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (facility_id, external_id) DO NOTHING RETURNING id",
        fid, family_id, new.external_id, new.birth_date, new.birth_order, id_hash)
    if row is None:
        child_id = await _id_of(conn, "children", fid, new.external_id, "external_id")
        existing = await snapshots.child(conn, child_id)
        wanted = new.model_dump(mode="json", exclude={"national_id"})
        _same_or_conflict("child", new.external_id, existing, wanted)
        return existing, False, []
    snapshot = await snapshots.child(conn, row["id"])
    return snapshot, True, [snapshots.event("ChildRegistered", today, facility_key, child=snapshot)]


async def enroll(conn, fid: int, facility_key: str, new: NewEnrollment) -> tuple[dict, bool, Events]:
    child_id = await _id_of(conn, "children", fid, new.child, "child")
    class_id = await _id_of(conn, "classes", fid, new.class_, "class")
    wanted = {"external_id": new.external_id, "child": new.child, "class": new.class_, "care": new.care.value,
              "start": new.start.isoformat(), "end": new.end.isoformat() if new.end else None}
    existing_id = await conn.fetchval(
        "SELECT id FROM enrollments WHERE facility_id = $1 AND external_id = $2", fid, new.external_id)
    if existing_id is not None:
        existing = await snapshots.enrollment(conn, existing_id)
        _same_or_conflict("enrollment", new.external_id, existing, wanted)
        if existing["fees"][0]["monthly_fee"] != format_cny(parse_cny(new.monthly_fee)):
            raise Conflict(f"enrollment {new.external_id!r} already exists with another monthly_fee")
        return existing, False, []
    await _refuse_if_revoked(conn, fid)
    birth_date = await conn.fetchval("SELECT birth_date FROM children WHERE id = $1", child_id)
    if new.start < birth_date:
        raise InvalidInput("start", f"must not be before the child's birth date {birth_date}")
    if new.end and new.end < new.start:
        raise InvalidInput("end", "must be on or after start")
    klass = await conn.fetchrow("SELECT opened_on, closed_on FROM classes WHERE id = $1", class_id)
    if new.start < klass["opened_on"] or (klass["closed_on"] and (new.end or date.max) > klass["closed_on"]):
        raise InvalidInput("start", f"the class is open from {klass['opened_on']}"
                                    + (f" to {klass['closed_on']}" if klass["closed_on"] else ""))
    overlapping = await conn.fetchval(
        "SELECT external_id FROM enrollments WHERE child_id = $1 AND start_on <= $3 "
        "AND coalesce(end_on, 'infinity'::date) >= $2 LIMIT 1", child_id, new.start, new.end or date.max)
    if overlapping:
        raise InvalidInput("start", f"the child is already enrolled on these days ({overlapping})")
    row = await conn.fetchrow(
        "INSERT INTO enrollments (facility_id, child_id, class_id, external_id, care, start_on, end_on) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        fid, child_id, class_id, new.external_id, new.care.value, new.start, new.end)
    await conn.execute("INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) VALUES ($1,$2,$3)",
                       row["id"], new.start, parse_cny(new.monthly_fee))
    snapshot = await snapshots.enrollment(conn, row["id"])
    return snapshot, True, [snapshots.event("ChildEnrolled", new.start, facility_key, enrollment=snapshot)]


async def _enrollment_id(conn, fid: int, external_id: str) -> int:
    found = await conn.fetchval(
        "SELECT id FROM enrollments WHERE facility_id = $1 AND external_id = $2 FOR UPDATE", fid, external_id)
    if found is None:
        raise NotFound(f"enrollment {external_id!r} does not exist")
    return found


async def withdraw(conn, fid: int, facility_key: str, external_id: str, withdrawal: Withdrawal
                   ) -> tuple[dict, Events]:
    eid = await _enrollment_id(conn, fid, external_id)
    row = await conn.fetchrow("SELECT start_on, end_on FROM enrollments WHERE id = $1", eid)
    if row["end_on"] == withdrawal.end:
        return await snapshots.enrollment(conn, eid), []
    if withdrawal.end < row["start_on"]:
        raise InvalidInput("end", f"must be on or after the enrollment's start {row['start_on']}")
    await conn.execute("UPDATE enrollments SET end_on = $2, version = version + 1 WHERE id = $1", eid, withdrawal.end)
    snapshot = await snapshots.enrollment(conn, eid)
    return snapshot, [snapshots.event("ChildWithdrawn", withdrawal.end, facility_key, enrollment=snapshot)]


async def change_fee(conn, fid: int, facility_key: str, external_id: str, change: FeeChange) -> tuple[dict, Events]:
    eid = await _enrollment_id(conn, fid, external_id)
    fee_fen = parse_cny(change.monthly_fee)
    row = await conn.fetchrow("SELECT start_on, end_on FROM enrollments WHERE id = $1", eid)
    if change.effective_from < row["start_on"] or (row["end_on"] and change.effective_from > row["end_on"]):
        raise InvalidInput("from", "must fall within the enrollment's dates")
    existing = await conn.fetchval(
        "SELECT fee_fen FROM enrollment_fees WHERE enrollment_id = $1 AND effective_from = $2",
        eid, change.effective_from)
    if existing == fee_fen:
        return await snapshots.enrollment(conn, eid), []
    # A second change for the same date is a correction: it replaces the first.
    await conn.execute(
        "INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) VALUES ($1,$2,$3) "
        "ON CONFLICT (enrollment_id, effective_from) DO UPDATE SET fee_fen = excluded.fee_fen",
        eid, change.effective_from, fee_fen)
    await conn.execute("UPDATE enrollments SET version = version + 1 WHERE id = $1", eid)
    snapshot = await snapshots.enrollment(conn, eid)
    return snapshot, [snapshots.event("FeeChanged", change.effective_from, facility_key, enrollment=snapshot)]
