"""Event payloads: each event carries the whole record after the change (event-carried state).

Every snapshot is built through its shared record model (`tuoyu.events.records`), so a misspelt or missing field
fails at once, and returned as plain JSON values (ISO dates, decimal text) for the API's answers and the callers'
comparisons; `event` checks a payload against its type's model in `tuoyu.events.registry`.

A consumer keeps the snapshot with the highest `version`, so it never needs to replay an aggregate's history,
and a late or redelivered event cannot roll a record back. No national ID number or key appears here.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import asyncpg
from msgspec import to_builtins

from tuoyu import standing
from tuoyu.envelope import Envelope
from tuoyu.events import records, registry
from tuoyu.money import format_cny, format_rate, parse_rate


async def facility(conn: asyncpg.Connection, facility_id: int) -> dict:
    row = await conn.fetchrow("SELECT * FROM facilities WHERE id = $1", facility_id)
    rates = await conn.fetch(
        "SELECT effective_from, rate::text AS rate FROM facility_rates WHERE facility_id = $1 ORDER BY effective_from",
        facility_id)
    reviews = await conn.fetch(
        "SELECT reviewed_on, result FROM facility_reviews WHERE facility_id = $1 ORDER BY reviewed_on", facility_id)
    return facility_of(row["external_id"], row["name"], row["kind"], row["ownership"], row["inclusive"],
                       row["serves_meals"], row["bank_account"], row["filed_on"], row["fire_safety_certified_on"],
                       row["food_licence_on"], row["revoked_on"], [(r["effective_from"], r["rate"]) for r in rates],
                       [(r["reviewed_on"], r["result"]) for r in reviews], row["version"])


def facility_of(external_id: str, name: str, kind: str, ownership: str, inclusive: bool, serves_meals: bool,
                bank_account: str | None, filed_on: date | None, fire_safety_certified_on: date | None,
                food_licence_on: date | None, revoked_on: date | None, rates: list[tuple[date, str]],
                reviews: list[tuple[date, str]], version: int) -> dict:
    """A facility's snapshot from its values; rates are decimal text, reviews (date, "pass" or "fail") in date order."""
    return to_builtins(records.Facility(
        external_id=external_id, name=name, kind=kind, ownership=ownership, inclusive=inclusive,
        serves_meals=serves_meals, bank_account=bank_account, filed_on=filed_on,
        fire_safety_certified_on=fire_safety_certified_on, food_licence_on=food_licence_on, revoked_on=revoked_on,
        rates=tuple(records.Rate(effective_from=day, rate=format_rate(parse_rate(rate))) for day, rate in rates),
        reviews=tuple(records.Review(date=day, result=result) for day, result in reviews),
        status=standing.status(filed_on, revoked_on, reviews), version=version))


async def klass(conn: asyncpg.Connection, class_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT c.*, f.external_id AS facility FROM classes c JOIN facilities f ON f.id = c.facility_id "
        "WHERE c.id = $1", class_id)
    return class_of(row["facility"], row["external_id"], row["name"], row["opened_on"], row["closed_on"],
                    row["capacity"], row["version"])


def class_of(facility: str, external_id: str, name: str | None, opened_on: date, closed_on: date | None, capacity: int,
             version: int) -> dict:
    return to_builtins(records.Class(facility=facility, external_id=external_id, name=name, opened_on=opened_on,
                                     closed_on=closed_on, capacity=capacity, version=version))


async def family(conn: asyncpg.Connection, family_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT fa.external_id, f.external_id AS facility FROM families fa JOIN facilities f ON f.id = fa.facility_id "
        "WHERE fa.id = $1", family_id)
    return family_of(row["facility"], row["external_id"])


def family_of(facility: str, external_id: str) -> dict:
    return to_builtins(records.Family(facility=facility, external_id=external_id, version=1))


async def child(conn: asyncpg.Connection, child_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT c.*, f.external_id AS facility, fa.external_id AS family FROM children c "
        "JOIN facilities f ON f.id = c.facility_id JOIN families fa ON fa.id = c.family_id WHERE c.id = $1", child_id)
    return child_of(row["facility"], row["family"], row["external_id"], row["birth_date"], row["birth_order"],
                    row["version"])


def child_of(facility: str, family: str, external_id: str, birth_date: date, birth_order: int, version: int) -> dict:
    return to_builtins(records.Child(facility=facility, family=family, external_id=external_id, birth_date=birth_date,
                                     birth_order=birth_order, version=version))


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
    return to_builtins(records.Enrollment(
        facility=facility, external_id=external_id, child=child, class_=class_, care=care, start=start, end=end,
        fees=tuple(records.Fee(effective_from=day, monthly_fee=format_cny(fen)) for day, fen in fees),
        version=version))


def event(type_: str, occurred_on: date, facility_key: str, *, recorded_at: datetime | None = None,
          **payload) -> Envelope:
    """An event of a registered type; its payload is checked against the type's model (`InvalidPayload` if not)."""
    model = registry.event_type(type_)
    return Envelope(type=type_, schema_version=model.version, occurred_on=occurred_on, key=facility_key,
                    recorded_at=recorded_at or datetime.now(timezone.utc), payload=registry.payload_of(type_, payload))
