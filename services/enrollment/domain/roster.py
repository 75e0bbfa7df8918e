"""A facility's roster, one record at a time: classes, families, children, enrollments, and their changes.

Each function runs inside the caller's transaction (which holds the facility's row lock) and returns the events
to put in the outbox. Creating a record whose external_id exists returns it unchanged when the request is what it
was created with or what it is now, 409 otherwise. The rules themselves are in `rules` (shared with the import).
"""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from enrollment.domain import rules, snapshots
from enrollment.domain.models import (ChildCorrection, ClassChange, FeeChange, NewChild, NewClass, NewEnrollment,
                                      NewFamily, Withdrawal)
from tuoyu.envelope import Envelope
from tuoyu.errors import Conflict, InvalidInput, NotFound
from tuoyu.hashing import keyed_hash
from tuoyu.money import format_cny, parse_cny

Events = list[Envelope]
# Held while a transaction enrolls a child who carries a national ID, so that two facilities cannot enroll the
# same child on the same day at once (one lock for all: imports would otherwise take thousands).
NATIONAL_ID_LOCK = 0x7475_6F79  # "tuoy"


def _same_or_conflict(kind: str, external_id: str, wanted: dict, created_as, current: dict) -> None:
    diff = rules.differing(wanted, json.loads(created_as) if created_as else None, current)
    if diff:
        raise Conflict(f"{kind} {external_id!r} already exists with other content ({', '.join(diff)})")


async def _id_of(conn: asyncpg.Connection, table: str, fid: int, external_id: str, field: str) -> int:
    found = await conn.fetchval(f"SELECT id FROM {table} WHERE facility_id = $1 AND external_id = $2",
                                fid, external_id)
    if found is None:
        noun = {"children": "child", "classes": "class"}.get(table, table[:-1])
        raise InvalidInput(field, f"no {noun} {external_id!r} at this facility")
    return found


async def existing_id(conn: asyncpg.Connection, table: str, fid: int, external_id: str) -> int:
    """The id of a record named in the path: 404 when this facility has none."""
    found = await conn.fetchval(f"SELECT id FROM {table} WHERE facility_id = $1 AND external_id = $2",
                                fid, external_id)
    if found is None:
        noun = {"children": "child", "classes": "class"}.get(table, table[:-1])
        raise NotFound(f"{noun} {external_id!r} does not exist at this facility")
    return found


async def refuse_if_revoked(conn: asyncpg.Connection, fid: int) -> None:
    revoked_on = await conn.fetchval("SELECT revoked_on FROM facilities WHERE id = $1", fid)
    if revoked_on is not None:
        raise InvalidInput("facility", f"the facility was revoked on {revoked_on} and accepts nothing new")


# --- classes -------------------------------------------------------------------------------------------------------

async def open_class(conn, fid: int, facility_key: str, new: NewClass) -> tuple[dict, bool, Events]:
    wanted = new.model_dump(mode="json", exclude={"external_id"})
    found = await conn.fetchrow("SELECT id, created_as FROM classes WHERE facility_id = $1 AND external_id = $2",
                                fid, new.external_id)
    if found is not None:
        existing = await snapshots.klass(conn, found["id"])
        _same_or_conflict("class", new.external_id, wanted, found["created_as"], existing)
        return existing, False, []
    await refuse_if_revoked(conn, fid)
    if new.closed_on and new.closed_on < new.opened_on:
        raise InvalidInput("closed_on", "must be on or after opened_on")
    class_id = await conn.fetchval(
        "INSERT INTO classes (facility_id, external_id, name, opened_on, closed_on, capacity, created_as) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        fid, new.external_id, new.name, new.opened_on, new.closed_on, new.capacity, json.dumps(wanted))
    snapshot = await snapshots.klass(conn, class_id)
    return snapshot, True, [snapshots.event("ClassOpened", new.opened_on, facility_key, **{"class": snapshot})]


async def change_class(conn, fid: int, facility_key: str, external_id: str, change: ClassChange, today: date
                       ) -> tuple[dict, Events]:
    """Close a class, rename it or change its capacity; refused when its enrollments would no longer fit."""
    class_id = await existing_id(conn, "classes", fid, external_id)
    before = await snapshots.klass(conn, class_id)
    wanted = {k: v for k, v in change.model_dump(exclude_unset=True, mode="json").items() if before[k] != v}
    if "capacity" in wanted and wanted["capacity"] is None:
        raise InvalidInput("capacity", "must be a whole number from 1 to 500")
    if not wanted:
        return before, []
    opened_on = date.fromisoformat(before["opened_on"])
    closed_on = change.closed_on if "closed_on" in wanted else (
        date.fromisoformat(before["closed_on"]) if before["closed_on"] else None)
    capacity = wanted.get("capacity", before["capacity"])
    if closed_on is not None and closed_on < opened_on:
        raise InvalidInput("closed_on", f"must be on or after the opening date {opened_on}")
    spans = await conn.fetch("SELECT external_id, start_on, end_on FROM enrollments WHERE class_id = $1", class_id)
    if closed_on is not None:
        late = [s["external_id"] for s in spans if s["end_on"] is None or s["end_on"] > closed_on]
        if late:
            raise InvalidInput("closed_on", f"enrollments run past {closed_on} ({', '.join(late[:5])}); "
                                            "withdraw them first")
    if "capacity" in wanted:
        occupancy = rules.Occupancy(capacity, [(s["start_on"], s["end_on"]) for s in spans])
        peak = max((occupancy.peak(s["start_on"], s["end_on"]) for s in spans), default=0)
        if peak > capacity:
            raise InvalidInput("capacity", f"the class holds {peak} children on some day; capacity must be at least "
                                           "that")
    await conn.execute("UPDATE classes SET name = $2, closed_on = $3, capacity = $4, version = version + 1 "
                       "WHERE id = $1", class_id, wanted.get("name", before["name"]), closed_on, capacity)
    snapshot = await snapshots.klass(conn, class_id)
    event_type = "ClassClosed" if "closed_on" in wanted and closed_on is not None else "ClassChanged"
    return snapshot, [snapshots.event(event_type, closed_on if event_type == "ClassClosed" else today, facility_key,
                                      **{"class": snapshot})]


# --- families and children -----------------------------------------------------------------------------------------

async def register_family(conn, fid: int, facility_key: str, new: NewFamily, today: date) -> tuple[dict, bool, Events]:
    wanted = {"name": new.name}
    found = await conn.fetchrow("SELECT id, name, created_as FROM families WHERE facility_id = $1 AND external_id = $2",
                                fid, new.external_id)
    if found is not None:
        _same_or_conflict("family", new.external_id, wanted, found["created_as"], {"name": found["name"]})
        return await snapshots.family(conn, found["id"]), False, []
    await refuse_if_revoked(conn, fid)
    family_id = await conn.fetchval(
        "INSERT INTO families (facility_id, external_id, name, created_as) VALUES ($1,$2,$3,$4) RETURNING id",
        fid, new.external_id, new.name, json.dumps(wanted))
    snapshot = await snapshots.family(conn, family_id)
    return snapshot, True, [snapshots.event("FamilyRegistered", today, facility_key, family=snapshot)]


def child_fingerprint(family: str, birth_date: date, birth_order: int, id_hash: str | None) -> dict:
    return {"family": family, "birth_date": birth_date.isoformat(), "birth_order": birth_order, "national_id": id_hash}


async def _siblings(conn, family_id: int, *, besides: int | None = None) -> list[rules.Sibling]:
    rows = await conn.fetch("SELECT id, external_id, birth_date, birth_order FROM children WHERE family_id = $1",
                            family_id)
    return [rules.Sibling(r["external_id"], r["birth_date"], r["birth_order"]) for r in rows if r["id"] != besides]


def _raise(problem: rules.Problem) -> None:
    if problem:
        raise InvalidInput(*problem)


async def register_child(conn, fid: int, facility_key: str, new: NewChild, pepper: str, today: date
                         ) -> tuple[dict, bool, Events]:
    family_id = await _id_of(conn, "families", fid, new.family, "family")
    id_hash = keyed_hash(pepper, new.national_id) if new.national_id else None
    wanted = child_fingerprint(new.family, new.birth_date, new.birth_order, id_hash)
    found = await conn.fetchrow(
        "SELECT c.id, c.created_as, c.birth_date, c.birth_order, c.national_id_hash, fa.external_id AS family "
        "FROM children c JOIN families fa ON fa.id = c.family_id WHERE c.facility_id = $1 AND c.external_id = $2",
        fid, new.external_id)
    if found is not None:
        current = child_fingerprint(found["family"], found["birth_date"], found["birth_order"],
                                    found["national_id_hash"])
        _same_or_conflict("child", new.external_id, wanted, found["created_as"], current)
        return await snapshots.child(conn, found["id"]), False, []
    await refuse_if_revoked(conn, fid)
    if new.birth_date > today:
        raise InvalidInput("birth_date", "must not be in the future")
    if id_hash is not None:
        twin = await conn.fetchval("SELECT external_id FROM children WHERE facility_id = $1 AND national_id_hash = $2",
                                   fid, id_hash)
        if twin is not None:
            raise InvalidInput("national_id", f"this facility already registered the child as {twin!r}")
    _raise(rules.birth_order_problem(
        await _siblings(conn, family_id) + [rules.Sibling(new.external_id, new.birth_date, new.birth_order)]))
    child_id = await conn.fetchval(
        "INSERT INTO children (facility_id, family_id, external_id, birth_date, birth_order, national_id_hash, "
        "created_as) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        fid, family_id, new.external_id, new.birth_date, new.birth_order, id_hash, json.dumps(wanted))
    snapshot = await snapshots.child(conn, child_id)
    return snapshot, True, [snapshots.event("ChildRegistered", today, facility_key, child=snapshot)]


async def correct_child(conn, fid: int, facility_key: str, external_id: str, correction: ChildCorrection,
                        today: date) -> tuple[dict, Events]:
    """Correct a registered birth order or birth date: a `ChildCorrected` event with the new snapshot."""
    child_id = await existing_id(conn, "children", fid, external_id)
    row = await conn.fetchrow("SELECT family_id, birth_date, birth_order FROM children WHERE id = $1 FOR UPDATE",
                              child_id)
    given = correction.model_dump(exclude_unset=True)
    for field in given:
        if given[field] is None:
            raise InvalidInput(field, "must not be null")
    birth_date = given.get("birth_date", row["birth_date"])
    birth_order = given.get("birth_order", row["birth_order"])
    if (birth_date, birth_order) == (row["birth_date"], row["birth_order"]):
        return await snapshots.child(conn, child_id), []
    if birth_date > today:
        raise InvalidInput("birth_date", "must not be in the future")
    first_start = await conn.fetchval("SELECT min(start_on) FROM enrollments WHERE child_id = $1", child_id)
    if first_start is not None and birth_date > first_start:
        raise InvalidInput("birth_date", f"the child is enrolled from {first_start}, before that date")
    _raise(rules.birth_order_problem(await _siblings(conn, row["family_id"], besides=child_id)
                                     + [rules.Sibling(external_id, birth_date, birth_order)]))
    await conn.execute("UPDATE children SET birth_date = $2, birth_order = $3, version = version + 1 WHERE id = $1",
                       child_id, birth_date, birth_order)
    snapshot = await snapshots.child(conn, child_id)
    return snapshot, [snapshots.event("ChildCorrected", today, facility_key, child=snapshot)]


# --- enrollments ---------------------------------------------------------------------------------------------------

def enrollment_fingerprint(child: str, class_: str, care: str, start: date, end: date | None, fee_fen: int) -> dict:
    return {"child": child, "class": class_, "care": care, "start": start.isoformat(),
            "end": end.isoformat() if end else None, "monthly_fee": format_cny(fee_fen)}


async def lock_national_ids(conn) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", NATIONAL_ID_LOCK)


async def enrolled_elsewhere(conn, fid: int, id_hash: str, start: date, end: date | None) -> bool:
    """Whether the child with this national ID is enrolled at another facility on a day of [start, end]."""
    return bool(await conn.fetchval(
        "SELECT 1 FROM children c JOIN enrollments e ON e.child_id = c.id WHERE c.national_id_hash = $1 "
        "AND c.facility_id <> $2 AND e.start_on <= $4 AND coalesce(e.end_on, 'infinity'::date) >= $3 LIMIT 1",
        id_hash, fid, start, end or date.max))


ELSEWHERE = ("the child (recognised by national ID) is already enrolled at another facility on some of these days; "
             "a child is enrolled at one place at a time")


async def _same_enrollment(conn, external_id: str, enrollment_id: int, created_as, wanted: dict
                           ) -> tuple[dict, bool, Events]:
    """The enrollment asked for exists: return it when the request is the same one again (409 otherwise)."""
    existing = await snapshots.enrollment(conn, enrollment_id)
    current = {**{k: existing[k] for k in ("child", "class", "care", "start", "end")},
               "monthly_fee": existing["fees"][0]["monthly_fee"]}
    _same_or_conflict("enrollment", external_id, wanted, created_as, current)
    return existing, False, []


async def enroll(conn, facility_key: str, new: NewEnrollment) -> tuple[dict, bool, Events]:
    """Enroll a child in four statements (five with a national ID): lock, read what the checks need, write."""
    fee_fen = parse_cny(new.monthly_fee)
    wanted = enrollment_fingerprint(new.child, new.class_, new.care.value, new.start, new.end, fee_fen)
    # The class's lock serialises capacity checks; the child's, the same-day check. The facility's KEY SHARE (the
    # lock the insert's foreign keys take anyway) lets enrollments in different classes proceed side by side, while
    # every facility-wide change (FOR UPDATE: a revocation, a class opened, an import) waits for them.
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
            return await _same_enrollment(conn, new.external_id, found["id"], found["created_as"], wanted)
        await _id_of(conn, "children", fid, new.child, "child")
        raise InvalidInput("class", f"no class {new.class_!r} at this facility")
    if locked["existing"] is not None:
        return await _same_enrollment(conn, new.external_id, locked["existing"], locked["created_as"], wanted)
    fid = locked["id"]
    if locked["revoked_on"] is not None:
        raise InvalidInput("facility", f"the facility was revoked on {locked['revoked_on']} and accepts nothing new")
    _raise(rules.enrollment_dates_problem(new.start, new.end, locked["birth_date"], locked["opened_on"],
                                          locked["closed_on"]))
    # Read after the locks: whatever committed while this transaction waited for them is seen.
    days = await conn.fetchrow(
        "SELECT (SELECT external_id FROM enrollments WHERE child_id = $1 AND start_on <= $4 "
        "        AND coalesce(end_on, 'infinity'::date) >= $3 LIMIT 1) AS overlapping, spans.starts, spans.ends "
        "FROM (SELECT array_agg(start_on) AS starts, array_agg(end_on) AS ends FROM enrollments "
        "      WHERE class_id = $2 AND start_on <= $4 AND coalesce(end_on, 'infinity'::date) >= $3) spans",
        locked["child_id"], locked["class_id"], new.start, new.end or date.max)
    if days["overlapping"]:
        raise InvalidInput("start", f"the child is already enrolled on some of these days ({days['overlapping']})")
    _raise(rules.Occupancy(locked["capacity"], zip(days["starts"] or [], days["ends"] or [])).problem(new.start,
                                                                                                      new.end))
    if locked["national_id_hash"] is not None:
        await lock_national_ids(conn)
        if await enrolled_elsewhere(conn, fid, locked["national_id_hash"], new.start, new.end):
            raise InvalidInput("child", ELSEWHERE)
    version = await conn.fetchval(
        "WITH e AS (INSERT INTO enrollments (facility_id, child_id, class_id, external_id, care, start_on, end_on, "
        "           created_as) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id, version), "
        "fee AS (INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) SELECT id, $6, $9 FROM e) "
        "SELECT version FROM e",
        fid, locked["child_id"], locked["class_id"], new.external_id, new.care.value, new.start, new.end,
        json.dumps(wanted), fee_fen)
    snapshot = snapshots.enrollment_of(facility_key, new.external_id, new.child, new.class_, new.care.value,
                                       new.start, new.end, [(new.start, fee_fen)], version)
    return snapshot, True, [snapshots.event("ChildEnrolled", new.start, facility_key, enrollment=snapshot)]


async def _enrollment_id(conn, fid: int, external_id: str) -> int:
    found = await conn.fetchval(
        "SELECT id FROM enrollments WHERE facility_id = $1 AND external_id = $2 FOR UPDATE", fid, external_id)
    if found is None:
        raise NotFound(f"enrollment {external_id!r} does not exist at this facility")
    return found


async def withdraw(conn, fid: int, facility_key: str, external_id: str, withdrawal: Withdrawal
                   ) -> tuple[dict, Events]:
    """Set the last day of care; it may be in the past (a late event for billing)."""
    eid = await _enrollment_id(conn, fid, external_id)
    row = await conn.fetchrow("SELECT start_on, end_on FROM enrollments WHERE id = $1", eid)
    if row["end_on"] == withdrawal.end:
        return await snapshots.enrollment(conn, eid), []
    if withdrawal.end < row["start_on"]:
        raise InvalidInput("end", f"must be on or after the enrollment's start {row['start_on']}")
    if row["end_on"] is not None and withdrawal.end > row["end_on"]:
        # Extending would need the capacity and overlap checks of a new enrollment: enroll again instead.
        raise InvalidInput("end", f"the enrollment already ends on {row['end_on']}; a withdrawal may only bring the "
                                  "end earlier")
    await conn.execute("UPDATE enrollments SET end_on = $2, version = version + 1 WHERE id = $1", eid, withdrawal.end)
    snapshot = await snapshots.enrollment(conn, eid)
    return snapshot, [snapshots.event("ChildWithdrawn", withdrawal.end, facility_key, enrollment=snapshot)]


async def change_fee(conn, fid: int, facility_key: str, external_id: str, change: FeeChange) -> tuple[dict, Events]:
    """Change the monthly fee from a date; a second change for the same date corrects the first."""
    eid = await _enrollment_id(conn, fid, external_id)
    fee_fen = parse_cny(change.monthly_fee)
    row = await conn.fetchrow("SELECT start_on, end_on FROM enrollments WHERE id = $1", eid)
    if change.effective_from < row["start_on"] or (row["end_on"] and change.effective_from > row["end_on"]):
        raise InvalidInput("from", f"must fall within the enrollment's dates ({row['start_on']}.."
                                   f"{row['end_on'] or 'open end'})")
    existing = await conn.fetchval(
        "SELECT fee_fen FROM enrollment_fees WHERE enrollment_id = $1 AND effective_from = $2",
        eid, change.effective_from)
    if existing == fee_fen:
        return await snapshots.enrollment(conn, eid), []
    await conn.execute(
        "INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) VALUES ($1,$2,$3) "
        "ON CONFLICT (enrollment_id, effective_from) DO UPDATE SET fee_fen = excluded.fee_fen",
        eid, change.effective_from, fee_fen)
    await conn.execute("UPDATE enrollments SET version = version + 1 WHERE id = $1", eid)
    snapshot = await snapshots.enrollment(conn, eid)
    return snapshot, [snapshots.event("FeeChanged", change.effective_from, facility_key, enrollment=snapshot)]
