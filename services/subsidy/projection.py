"""The subsidy service's view of the facts, kept current from enrollment events.

Each event carries the whole record after the change; a record is replaced only by a higher `version`, so a
redelivered or out-of-date event changes nothing. A batch is applied set-wise: the latest snapshot of each record
in the batch is upserted with one statement per table, so replaying the topic runs at bulk speed.
"""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from tuoyu.envelope import Envelope
from tuoyu.money import parse_cny


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _latest(snapshots: dict, key, snapshot: dict) -> None:
    held = snapshots.get(key)
    if held is None or held["version"] < snapshot["version"]:
        snapshots[key] = snapshot


async def apply(conn: asyncpg.Connection, event: Envelope) -> None:
    await apply_batch(conn, [event])


async def apply_batch(conn: asyncpg.Connection, events: list[Envelope]) -> None:
    facilities, classes, families, children, enrollments = {}, {}, set(), {}, {}
    for event in events:
        p = event.payload
        if isinstance(p.get("facility"), dict):
            _latest(facilities, p["facility"]["external_id"], p["facility"])
        if isinstance(p.get("class"), dict):
            _latest(classes, (p["class"]["facility"], p["class"]["external_id"]), p["class"])
        if isinstance(p.get("family"), dict):
            families.add((p["family"]["facility"], p["family"]["external_id"]))
        if isinstance(p.get("child"), dict):
            c = p["child"]
            _latest(children, (c["facility"], c["external_id"]), c)
            families.add((c["facility"], c["family"]))
        if isinstance(p.get("enrollment"), dict):
            e = p["enrollment"]
            _latest(enrollments, (e["facility"], e["external_id"]), e)
    if facilities:
        await _facilities(conn, list(facilities.values()))
    if classes:
        await _classes(conn, list(classes.values()))
    if families:
        await conn.execute(
            "INSERT INTO families (facility, external_id) SELECT * FROM unnest($1::text[], $2::text[]) "
            "ON CONFLICT DO NOTHING", [f for f, _ in families], [x for _, x in families])
    if children:
        await _children(conn, list(children.values()))
    if enrollments:
        await _enrollments(conn, list(enrollments.values()))


async def _facilities(conn, rows: list[dict]) -> None:
    await conn.execute(
        "INSERT INTO facilities (external_id, kind, serves_meals, filed_on, fire_safety_certified_on, food_licence_on,"
        " revoked_on, rates, reviews, version) SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::date[], "
        "$5::date[], $6::date[], $7::date[], $8::jsonb[], $9::jsonb[], $10::int[]) "
        "ON CONFLICT (external_id) DO UPDATE SET kind = excluded.kind, serves_meals = excluded.serves_meals, "
        "filed_on = excluded.filed_on, fire_safety_certified_on = excluded.fire_safety_certified_on, "
        "food_licence_on = excluded.food_licence_on, revoked_on = excluded.revoked_on, rates = excluded.rates, "
        "reviews = excluded.reviews, version = excluded.version WHERE facilities.version < excluded.version",
        [f["external_id"] for f in rows], [f["kind"] for f in rows], [f["serves_meals"] for f in rows],
        [_date(f["filed_on"]) for f in rows], [_date(f["fire_safety_certified_on"]) for f in rows],
        [_date(f["food_licence_on"]) for f in rows], [_date(f["revoked_on"]) for f in rows],
        [json.dumps(f["rates"]) for f in rows], [json.dumps(f["reviews"]) for f in rows],
        [f["version"] for f in rows])


async def _classes(conn, rows: list[dict]) -> None:
    await conn.execute(
        "INSERT INTO classes (facility, external_id, opened_on, closed_on, version) SELECT * FROM unnest("
        "$1::text[], $2::text[], $3::date[], $4::date[], $5::int[]) ON CONFLICT (facility, external_id) DO UPDATE "
        "SET opened_on = excluded.opened_on, closed_on = excluded.closed_on, version = excluded.version "
        "WHERE classes.version < excluded.version",
        [c["facility"] for c in rows], [c["external_id"] for c in rows], [_date(c["opened_on"]) for c in rows],
        [_date(c["closed_on"]) for c in rows], [c["version"] for c in rows])


async def _children(conn, rows: list[dict]) -> None:
    await conn.execute(
        "INSERT INTO children (facility, external_id, family_id, birth_date, birth_order, version) "
        "SELECT k.facility, k.external_id, fa.id, k.birth_date, k.birth_order, k.version FROM unnest("
        "$1::text[], $2::text[], $3::text[], $4::date[], $5::smallint[], $6::int[]) "
        "AS k(facility, external_id, family, birth_date, birth_order, version) "
        "JOIN families fa ON fa.facility = k.facility AND fa.external_id = k.family "
        "ON CONFLICT (facility, external_id) DO UPDATE SET family_id = excluded.family_id, "
        "birth_date = excluded.birth_date, birth_order = excluded.birth_order, version = excluded.version "
        "WHERE children.version < excluded.version",
        [c["facility"] for c in rows], [c["external_id"] for c in rows], [c["family"] for c in rows],
        [_date(c["birth_date"]) for c in rows], [c["birth_order"] for c in rows], [c["version"] for c in rows])


async def _enrollments(conn, rows: list[dict]) -> None:
    # Events of one facility keep their order, so each enrollment's child is already in the view; if one is not,
    # fail the batch (it is retried) rather than drop the enrollment.
    missing = await conn.fetch(
        "SELECT e.facility, e.child FROM unnest($1::text[], $2::text[]) AS e(facility, child) "
        "LEFT JOIN children c ON c.facility = e.facility AND c.external_id = e.child WHERE c.id IS NULL",
        [e["facility"] for e in rows], [e["child"] for e in rows])
    if missing:
        raise LookupError(f"enrollments name children not in the view: {[tuple(m) for m in missing][:5]}")
    changed = await conn.fetch(
        "INSERT INTO enrollments (facility, external_id, child_id, class, start_on, end_on, version) "
        "SELECT e.facility, e.external_id, c.id, e.class, e.start_on, e.end_on, e.version FROM unnest("
        "$1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::date[], $7::int[]) "
        "AS e(facility, external_id, child, class, start_on, end_on, version) "
        "JOIN children c ON c.facility = e.facility AND c.external_id = e.child "
        "ON CONFLICT (facility, external_id) DO UPDATE SET child_id = excluded.child_id, class = excluded.class, "
        "start_on = excluded.start_on, end_on = excluded.end_on, version = excluded.version, "
        "applied_at = clock_timestamp() WHERE enrollments.version < excluded.version RETURNING id, facility, external_id",
        [e["facility"] for e in rows], [e["external_id"] for e in rows], [e["child"] for e in rows],
        [e["class"] for e in rows], [_date(e["start"]) for e in rows], [_date(e["end"]) for e in rows],
        [e["version"] for e in rows])
    if not changed:
        return
    by_key = {(e["facility"], e["external_id"]): e for e in rows}
    ids = [r["id"] for r in changed]
    await conn.execute("DELETE FROM enrollment_fees WHERE enrollment_id = ANY($1::bigint[])", ids)
    fees = [(r["id"], _date(f["from"]), parse_cny(f["monthly_fee"]))
            for r in changed for f in by_key[(r["facility"], r["external_id"])]["fees"]]
    await conn.copy_records_to_table("enrollment_fees", records=fees,
                                     columns=["enrollment_id", "effective_from", "fee_fen"])
