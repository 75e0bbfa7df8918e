"""Event payloads: each event carries the whole record after the change (event-carried state).

A consumer keeps the snapshot with the highest `version`, so it never needs to replay an aggregate's history,
and a late or redelivered event cannot roll a record back. No national ID number or key appears here.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from tuoyu import standing
from tuoyu.envelope import Envelope
from tuoyu.money import format_cny, format_rate, parse_rate


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


async def facility(conn: asyncpg.Connection, facility_id: int) -> dict:
    row = await conn.fetchrow("SELECT * FROM facilities WHERE id = $1", facility_id)
    rates = await conn.fetch(
        "SELECT effective_from, rate::text AS rate FROM facility_rates WHERE facility_id = $1 ORDER BY effective_from",
        facility_id)
    reviews = await conn.fetch(
        "SELECT reviewed_on, result FROM facility_reviews WHERE facility_id = $1 ORDER BY reviewed_on", facility_id)
    return {
        "external_id": row["external_id"], "name": row["name"], "kind": row["kind"], "ownership": row["ownership"],
        "inclusive": row["inclusive"], "serves_meals": row["serves_meals"], "bank_account": row["bank_account"],
        "filed_on": _iso(row["filed_on"]), "fire_safety_certified_on": _iso(row["fire_safety_certified_on"]),
        "food_licence_on": _iso(row["food_licence_on"]), "revoked_on": _iso(row["revoked_on"]),
        "rates": [{"from": r["effective_from"].isoformat(), "rate": format_rate(parse_rate(r["rate"]))} for r in rates],
        "reviews": [{"date": r["reviewed_on"].isoformat(), "result": r["result"]} for r in reviews],
        "status": standing.status(row["filed_on"], row["revoked_on"],
                                  [(r["reviewed_on"], r["result"]) for r in reviews]),
        "version": row["version"],
    }


async def klass(conn: asyncpg.Connection, class_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT c.*, f.external_id AS facility FROM classes c JOIN facilities f ON f.id = c.facility_id "
        "WHERE c.id = $1", class_id)
    return {"facility": row["facility"], "external_id": row["external_id"], "name": row["name"],
            "opened_on": _iso(row["opened_on"]), "closed_on": _iso(row["closed_on"]), "capacity": row["capacity"],
            "version": row["version"]}


async def family(conn: asyncpg.Connection, family_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT fa.external_id, f.external_id AS facility FROM families fa JOIN facilities f ON f.id = fa.facility_id "
        "WHERE fa.id = $1", family_id)
    return family_of(row["facility"], row["external_id"])


def family_of(facility: str, external_id: str) -> dict:
    return {"facility": facility, "external_id": external_id, "version": 1}


async def child(conn: asyncpg.Connection, child_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT c.*, f.external_id AS facility, fa.external_id AS family FROM children c "
        "JOIN facilities f ON f.id = c.facility_id JOIN families fa ON fa.id = c.family_id WHERE c.id = $1", child_id)
    return child_of(row["facility"], row["family"], row["external_id"], row["birth_date"], row["birth_order"],
                    row["version"])


def child_of(facility: str, family: str, external_id: str, birth_date: date, birth_order: int, version: int) -> dict:
    return {"facility": facility, "family": family, "external_id": external_id, "birth_date": _iso(birth_date),
            "birth_order": birth_order, "version": version}


async def enrollment(conn: asyncpg.Connection, enrollment_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT e.*, f.external_id AS facility, c.external_id AS child, k.external_id AS class "
        "FROM enrollments e JOIN facilities f ON f.id = e.facility_id JOIN children c ON c.id = e.child_id "
        "JOIN classes k ON k.id = e.class_id WHERE e.id = $1", enrollment_id)
    fees = await conn.fetch(
        "SELECT effective_from, fee_fen FROM enrollment_fees WHERE enrollment_id = $1 ORDER BY effective_from",
        enrollment_id)
    return enrollment_of(row["facility"], row["external_id"], row["child"], row["class"], row["care"],
                         row["start_on"], row["end_on"], [(f["effective_from"], f["fee_fen"]) for f in fees],
                         row["version"])


def enrollment_of(facility: str, external_id: str, child: str, class_: str, care: str, start: date,
                  end: date | None, fees: list[tuple[date, int]], version: int) -> dict:
    """An enrollment's snapshot from its values (a new enrollment's are all in hand: no need to read them back)."""
    return {"facility": facility, "external_id": external_id, "child": child, "class": class_, "care": care,
            "start": _iso(start), "end": _iso(end),
            "fees": [{"from": day.isoformat(), "monthly_fee": format_cny(fen)} for day, fen in fees],
            "version": version}


def event(type_: str, occurred_on: date, facility_key: str, **payload) -> Envelope:
    return Envelope(type=type_, occurred_on=occurred_on, key=facility_key, payload=payload)
