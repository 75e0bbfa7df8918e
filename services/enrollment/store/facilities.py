"""The facilities table and what hangs off it (rates, reviews): reads for the decisions, the writes they decide."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import asyncpg

from enrollment.domain.models import Certifications, NewFacility
from enrollment.domain import snapshots
from tuoyu.errors import NotFound


async def facility_id(conn: asyncpg.Connection, external_id: str, *, lock: bool = False) -> int:
    """The facility's row id; `lock` excludes every other writer of the facility."""
    sql = "SELECT id FROM facilities WHERE external_id = $1" + (" FOR UPDATE" if lock else "")
    found = await conn.fetchval(sql, external_id)
    if found is None:
        raise NotFound(f"facility {external_id!r} does not exist")
    return found


async def revoked_on(conn: asyncpg.Connection, fid: int) -> date | None:
    return await conn.fetchval("SELECT revoked_on FROM facilities WHERE id = $1", fid)


async def filed_and_revoked(conn: asyncpg.Connection, fid: int) -> tuple[bool, date | None]:
    """(whether the facility is filed, its revocation date): what accepting a national ID asks."""
    row = await conn.fetchrow("SELECT filed_on IS NOT NULL AS filed, revoked_on FROM facilities WHERE id = $1", fid)
    return row["filed"], row["revoked_on"]


async def snapshot(conn: asyncpg.Connection, facility_id: int) -> dict:
    row = await conn.fetchrow("SELECT * FROM facilities WHERE id = $1", facility_id)
    rates = await conn.fetch(
        "SELECT effective_from, rate::text AS rate FROM facility_rates WHERE facility_id = $1 ORDER BY effective_from",
        facility_id)
    reviews = await conn.fetch(
        "SELECT reviewed_on, result FROM facility_reviews WHERE facility_id = $1 ORDER BY reviewed_on", facility_id)
    places = await conn.fetch("SELECT effective_from, jurisdiction FROM facility_jurisdictions WHERE facility_id = $1 "
                              "ORDER BY effective_from", facility_id)
    return snapshots.facility_of(
        row["external_id"], row["name"], row["kind"], row["ownership"], row["inclusive"], row["serves_meals"],
        row["bank_account"], row["filed_on"], row["fire_safety_certified_on"], row["food_licence_on"],
        row["revoked_on"], [(r["effective_from"], r["rate"]) for r in rates],
        [(r["reviewed_on"], r["result"]) for r in reviews], row["version"],
        [(r["effective_from"], r["jurisdiction"]) for r in places])


async def insert(conn: asyncpg.Connection, new: NewFacility, wanted: dict, self_registered: bool) -> int | None:
    """The new facility's id, or None when its external id exists."""
    return await conn.fetchval(
        "INSERT INTO facilities (external_id, name, kind, ownership, inclusive, serves_meals, bank_account, "
        "created_as, self_registered) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) "
        "ON CONFLICT (external_id) DO NOTHING RETURNING id",
        new.external_id, new.name, new.kind.value, new.ownership.value, new.inclusive, new.serves_meals,
        new.bank_account, json.dumps(wanted), self_registered)


async def created_as(conn: asyncpg.Connection, fid: int) -> dict | None:
    found = await conn.fetchval("SELECT created_as FROM facilities WHERE id = $1", fid)
    return json.loads(found) if found else None


async def update(conn: asyncpg.Connection, fid: int, columns: dict) -> None:
    """Set the columns (names from `FacilityChange`, never from the caller) and count a version."""
    sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
    await conn.execute(f"UPDATE facilities SET {sets}, version = version + 1 WHERE id = $1", fid, *columns.values())


async def bump(conn: asyncpg.Connection, fid: int) -> None:
    await conn.execute("UPDATE facilities SET version = version + 1 WHERE id = $1", fid)


async def filing(conn: asyncpg.Connection, fid: int, filed_on: date) -> tuple[date | None, date | None, Decimal | None]:
    """(filed on, revoked on, the rate from `filed_on` if one is set)."""
    row = await conn.fetchrow(
        "SELECT f.filed_on, f.revoked_on, (SELECT rate FROM facility_rates WHERE facility_id = f.id "
        "AND effective_from = $2) AS rate FROM facilities f WHERE f.id = $1", fid, filed_on)
    return row["filed_on"], row["revoked_on"], row["rate"]


async def file(conn: asyncpg.Connection, fid: int, filed_on: date, rate: Decimal) -> None:
    await conn.execute("UPDATE facilities SET filed_on = $2 WHERE id = $1", fid, filed_on)
    await conn.execute(
        "INSERT INTO facility_rates (facility_id, effective_from, rate) VALUES ($1,$2,$3) "
        "ON CONFLICT (facility_id, effective_from) DO UPDATE SET rate = excluded.rate", fid, filed_on, rate)
    await bump(conn, fid)


async def certify(conn: asyncpg.Connection, fid: int, certs: Certifications) -> None:
    await conn.execute(
        "UPDATE facilities SET fire_safety_certified_on = $2, food_licence_on = $3, version = version + 1 "
        "WHERE id = $1", fid, certs.fire_safety_certified_on, certs.food_licence_on)


async def rate_from(conn: asyncpg.Connection, fid: int, day: date) -> Decimal | None:
    return await conn.fetchval(
        "SELECT rate FROM facility_rates WHERE facility_id = $1 AND effective_from = $2", fid, day)


async def add_rate(conn: asyncpg.Connection, fid: int, day: date, rate: Decimal) -> None:
    await conn.execute("INSERT INTO facility_rates (facility_id, effective_from, rate) VALUES ($1,$2,$3)",
                       fid, day, rate)
    await bump(conn, fid)


async def reviews(conn: asyncpg.Connection, fid: int, day: date) -> tuple[str | None, date | None, list]:
    """(the result recorded on `day`, revoked on, every review as (date, result) in date order)."""
    revoked = await conn.fetchval("SELECT revoked_on FROM facilities WHERE id = $1", fid)
    past = [(r["reviewed_on"], r["result"]) for r in await conn.fetch(
        "SELECT reviewed_on, result FROM facility_reviews WHERE facility_id = $1 ORDER BY reviewed_on", fid)]
    same_day = next((result for reviewed_on, result in past if reviewed_on == day), None)
    return same_day, revoked, past


async def add_review(conn: asyncpg.Connection, fid: int, day: date, result: str) -> None:
    await conn.execute("INSERT INTO facility_reviews (facility_id, reviewed_on, result) VALUES ($1,$2,$3)",
                       fid, day, result)


async def revoke(conn: asyncpg.Connection, fid: int, revoked_on: date, last_day: date) -> list[int]:
    """Revoke the facility and end its enrollments that run past `last_day` there (or at their start minus one,
    when they had not begun); answers their ids."""
    rows = await conn.fetch(
        "UPDATE enrollments SET end_on = GREATEST(start_on - 1, $2::date), version = version + 1 "
        "WHERE facility_id = $1 AND (end_on IS NULL OR end_on > $2::date) RETURNING id", fid, last_day)
    await conn.execute("UPDATE facilities SET revoked_on = $2 WHERE id = $1", fid, revoked_on)
    return [r["id"] for r in rows]
