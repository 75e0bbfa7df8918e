"""The classes table: a class's snapshot, its enrollments' days, and the writes opening, changing and confirming it
decide."""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from enrollment.domain.models import NewClass
from enrollment.domain import snapshots


async def snapshot(conn: asyncpg.Connection, class_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT c.*, f.external_id AS facility FROM classes c JOIN facilities f ON f.id = c.facility_id "
        "WHERE c.id = $1", class_id)
    return snapshots.class_of(row["facility"], row["external_id"], row["name"], row["opened_on"], row["closed_on"],
                              row["capacity"], row["confirmed_on"], row["version"])


async def existing(conn: asyncpg.Connection, fid: int, external_id: str) -> tuple[int, tuple[dict | None, dict]] | None:
    """(id, its fingerprints: as created and now) of the class with this external id, if there is one."""
    found = await conn.fetchrow("SELECT id, created_as FROM classes WHERE facility_id = $1 AND external_id = $2",
                                fid, external_id)
    if found is None:
        return None
    created_as = json.loads(found["created_as"]) if found["created_as"] else None
    return found["id"], (created_as, await snapshot(conn, found["id"]))


async def insert(conn: asyncpg.Connection, fid: int, new: NewClass, wanted: dict) -> int:
    return await conn.fetchval(
        "INSERT INTO classes (facility_id, external_id, name, opened_on, closed_on, capacity, created_as) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        fid, new.external_id, new.name, new.opened_on, new.closed_on, new.capacity, json.dumps(wanted))


async def spans(conn: asyncpg.Connection, class_id: int) -> list[tuple[str, date, date | None]]:
    """The class's enrollments as (external_id, start, end)."""
    rows = await conn.fetch("SELECT external_id, start_on, end_on FROM enrollments WHERE class_id = $1", class_id)
    return [(r["external_id"], r["start_on"], r["end_on"]) for r in rows]


async def update(conn: asyncpg.Connection, class_id: int, name: str | None, closed_on: date | None,
                 capacity: int) -> None:
    await conn.execute("UPDATE classes SET name = $2, closed_on = $3, capacity = $4, version = version + 1 "
                       "WHERE id = $1", class_id, name, closed_on, capacity)


async def of_facility(conn: asyncpg.Connection, fid: int) -> list[asyncpg.Record]:
    """Every class of the facility: id, external_id, opened_on, closed_on, capacity (a roster import's start)."""
    return await conn.fetch("SELECT id, external_id, opened_on, closed_on, capacity FROM classes "
                            "WHERE facility_id = $1", fid)


async def for_confirmation(conn: asyncpg.Connection, named: list[tuple[str, str]]
                           ) -> tuple[set[str], dict[tuple[str, str], tuple[int, date | None]]]:
    """The named facilities that exist, their rows locked (in id order: two confirmations of overlapping lists cannot
    deadlock), and each named (facility, class) that exists: its id and confirmation date."""
    facilities = {r["external_id"] for r in await conn.fetch(
        "SELECT external_id FROM facilities WHERE external_id = ANY($1) ORDER BY id FOR UPDATE",
        sorted({facility for facility, _ in named}))}
    rows = await conn.fetch(
        "SELECT DISTINCT f.external_id AS facility, c.external_id, c.id, c.confirmed_on FROM classes c "
        "JOIN facilities f ON f.id = c.facility_id JOIN unnest($1::text[], $2::text[]) AS n(facility, class) "
        "ON n.facility = f.external_id AND n.class = c.external_id",
        [facility for facility, _ in named], [klass for _, klass in named])
    return facilities, {(r["facility"], r["external_id"]): (r["id"], r["confirmed_on"]) for r in rows}


LISTED_SQL = ("SELECT f.external_id AS facility, f.name AS facility_name, c.external_id, c.name, c.opened_on, "
              "c.closed_on, c.capacity, c.confirmed_on FROM classes c JOIN facilities f ON f.id = c.facility_id")


async def awaiting_confirmation(conn: asyncpg.Connection, among: set[str] | None, limit: int) -> list[dict]:
    """Classes nobody has confirmed yet (at most `limit + 1`, to tell there are more), of the facilities `among` (a
    scoped key's; None: every one), by facility and class: what the commission's desk lists to confirm."""
    rows = await conn.fetch(
        f"{LISTED_SQL} WHERE c.confirmed_on IS NULL AND ($1::text[] IS NULL OR f.external_id = ANY($1)) "
        "ORDER BY f.external_id, c.external_id LIMIT $2", sorted(among) if among is not None else None, limit + 1)
    return [dict(r) for r in rows]


async def awaiting_counts(conn: asyncpg.Connection, facilities: list[str]) -> dict[str, int]:
    """How many classes of each of these facilities nobody has confirmed yet (those with none are left out)."""
    rows = await conn.fetch("SELECT f.external_id, count(*) AS waiting FROM classes c JOIN facilities f "
                            "ON f.id = c.facility_id WHERE c.confirmed_on IS NULL AND f.external_id = ANY($1) "
                            "GROUP BY f.external_id", facilities)
    return {r["external_id"]: r["waiting"] for r in rows}


async def confirmed(conn: asyncpg.Connection, facility: str, klass: str) -> dict | None:
    """The class as `awaiting_confirmation` lists it, once it is confirmed; else None."""
    row = await conn.fetchrow(f"{LISTED_SQL} WHERE f.external_id = $1 AND c.external_id = $2 "
                              "AND c.confirmed_on IS NOT NULL", facility, klass)
    return dict(row) if row else None


async def confirm(conn: asyncpg.Connection, class_id: int, confirmed_on: date) -> None:
    await conn.execute("UPDATE classes SET confirmed_on = $2, version = version + 1 WHERE id = $1",
                       class_id, confirmed_on)
