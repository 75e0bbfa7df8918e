"""The jurisdictions table and each facility's jurisdiction history: reads for the decisions, the writes they decide."""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.store import facilities
from tuoyu.jurisdictions import Entry, Tree


async def find(conn: asyncpg.Connection, code: str | None, *, lock: bool = False) -> dict | None:
    """The jurisdiction as {code, name, parent}, or None; `lock` holds its row until the transaction ends (its
    population entries are written one at a time)."""
    if code is None:
        return None
    row = await conn.fetchrow("SELECT code, name, parent FROM jurisdictions WHERE code = $1"
                              + (" FOR UPDATE" if lock else ""), code)
    return dict(row) if row else None


async def add(conn: asyncpg.Connection, code: str, name: str, parent: str | None) -> bool:
    """False when the code exists already (a concurrent addition): the caller reads it back."""
    added = await conn.fetchval("INSERT INTO jurisdictions (code, name, parent) VALUES ($1, $2, $3) "
                                "ON CONFLICT (code) DO NOTHING RETURNING true", code, name, parent)
    return bool(added)


async def every(conn: asyncpg.Connection) -> list[dict]:
    """All jurisdictions, each with its parent, by code (a parent's code sorts before its children's)."""
    return [dict(r) for r in await conn.fetch("SELECT code, name, parent FROM jurisdictions ORDER BY code")]


async def tree(db: asyncpg.Pool | asyncpg.Connection) -> Tree:
    """Every jurisdiction's parent, by code: what a scoped key's cover is computed from, now."""
    return {r["code"]: r["parent"] for r in await db.fetch("SELECT code, parent FROM jurisdictions")}


async def histories(db: asyncpg.Pool | asyncpg.Connection, external_ids: list[str] | None = None
                    ) -> dict[str, list[Entry]]:
    """Each placed facility's jurisdiction history, by external id (of every facility, or of those named)."""
    rows = await db.fetch(
        "SELECT f.external_id, fj.effective_from, fj.jurisdiction FROM facility_jurisdictions fj "
        "JOIN facilities f ON f.id = fj.facility_id WHERE $1::text[] IS NULL OR f.external_id = ANY($1)",
        external_ids)
    found: dict[str, list[Entry]] = {}
    for r in rows:
        found.setdefault(r["external_id"], []).append((r["effective_from"], r["jurisdiction"]))
    return found


async def placed_from(conn: asyncpg.Connection, fid: int, effective_from: date) -> str | None:
    """The jurisdiction an entry of the facility's history names from exactly this date."""
    return await conn.fetchval("SELECT jurisdiction FROM facility_jurisdictions WHERE facility_id = $1 "
                               "AND effective_from = $2", fid, effective_from)


async def place(conn: asyncpg.Connection, fid: int, effective_from: date, code: str, *, bump: bool = True) -> None:
    """Record the facility in `code` from the date; `bump` counts a version (not when it is being registered)."""
    await conn.execute("INSERT INTO facility_jurisdictions (facility_id, effective_from, jurisdiction) "
                       "VALUES ($1, $2, $3)", fid, effective_from, code)
    if bump:
        await facilities.bump(conn, fid)
