"""The subsidy service's view of the facts, kept current from enrollment events.

Each event carries the whole record after the change; a record is replaced only by a higher `version`, so a
redelivered or out-of-date event changes nothing.
"""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from tuoyu.envelope import Envelope
from tuoyu.money import parse_cny


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


async def apply(conn: asyncpg.Connection, event: Envelope) -> None:
    payload = event.payload
    if "facility" in payload and isinstance(payload["facility"], dict):
        await _facility(conn, payload["facility"])
    if "class" in payload:
        await _class(conn, payload["class"])
    if "family" in payload and isinstance(payload["family"], dict):
        await _family(conn, payload["family"]["facility"], payload["family"]["external_id"])
    if "child" in payload and isinstance(payload["child"], dict):
        await _child(conn, payload["child"])
    if "enrollment" in payload:
        await _enrollment(conn, payload["enrollment"])


async def _facility(conn, f: dict) -> None:
    await conn.execute(
        "INSERT INTO facilities (external_id, kind, serves_meals, filed_on, fire_safety_certified_on, food_licence_on,"
        " revoked_on, rates, reviews, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) "
        "ON CONFLICT (external_id) DO UPDATE SET kind = excluded.kind, serves_meals = excluded.serves_meals, "
        "filed_on = excluded.filed_on, fire_safety_certified_on = excluded.fire_safety_certified_on, "
        "food_licence_on = excluded.food_licence_on, revoked_on = excluded.revoked_on, rates = excluded.rates, "
        "reviews = excluded.reviews, version = excluded.version WHERE facilities.version < excluded.version",
        f["external_id"], f["kind"], f["serves_meals"], _date(f["filed_on"]), _date(f["fire_safety_certified_on"]),
        _date(f["food_licence_on"]), _date(f["revoked_on"]), json.dumps(f["rates"]), json.dumps(f["reviews"]),
        f["version"])


async def _class(conn, c: dict) -> None:
    await conn.execute(
        "INSERT INTO classes (facility, external_id, opened_on, closed_on, version) VALUES ($1,$2,$3,$4,$5) "
        "ON CONFLICT (facility, external_id) DO UPDATE SET opened_on = excluded.opened_on, "
        "closed_on = excluded.closed_on, version = excluded.version WHERE classes.version < excluded.version",
        c["facility"], c["external_id"], _date(c["opened_on"]), _date(c["closed_on"]), c["version"])


async def _family(conn, facility: str, external_id: str) -> int:
    return await conn.fetchval(
        "INSERT INTO families (facility, external_id) VALUES ($1, $2) ON CONFLICT (facility, external_id) "
        "DO UPDATE SET facility = excluded.facility RETURNING id", facility, external_id)


async def _child(conn, c: dict) -> None:
    family_id = await _family(conn, c["facility"], c["family"])
    await conn.execute(
        "INSERT INTO children (facility, external_id, family_id, birth_date, birth_order, version) "
        "VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (facility, external_id) DO UPDATE SET "
        "family_id = excluded.family_id, birth_date = excluded.birth_date, birth_order = excluded.birth_order, "
        "version = excluded.version WHERE children.version < excluded.version",
        c["facility"], c["external_id"], family_id, _date(c["birth_date"]), c["birth_order"], c["version"])


async def _enrollment(conn, e: dict) -> None:
    child_id = await conn.fetchval("SELECT id FROM children WHERE facility = $1 AND external_id = $2",
                                   e["facility"], e["child"])
    if child_id is None:  # events of one facility keep their order, so the child came first
        raise LookupError(f"enrollment {e['external_id']} names unknown child {e['child']}")
    enrollment_id = await conn.fetchval(
        "INSERT INTO enrollments (facility, external_id, child_id, class, start_on, end_on, version) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (facility, external_id) DO UPDATE SET "
        "child_id = excluded.child_id, class = excluded.class, start_on = excluded.start_on, end_on = excluded.end_on,"
        " version = excluded.version WHERE enrollments.version < excluded.version RETURNING id",
        e["facility"], e["external_id"], child_id, e["class"], _date(e["start"]), _date(e["end"]), e["version"])
    if enrollment_id is None:
        return  # an older snapshot than the one we hold
    await conn.execute("DELETE FROM enrollment_fees WHERE enrollment_id = $1", enrollment_id)
    await conn.executemany(
        "INSERT INTO enrollment_fees (enrollment_id, effective_from, fee_fen) VALUES ($1, $2, $3)",
        [(enrollment_id, _date(f["from"]), parse_cny(f["monthly_fee"])) for f in e["fees"]])
