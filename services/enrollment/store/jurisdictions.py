"""The jurisdictions table and each facility's jurisdiction history: reads for the decisions, the writes they decide."""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.store import facilities


async def find(conn: asyncpg.Connection, code: str | None) -> dict | None:
    """The jurisdiction as {code, name, parent}, or None."""
    if code is None:
        return None
    row = await conn.fetchrow("SELECT code, name, parent FROM jurisdictions WHERE code = $1", code)
    return dict(row) if row else None


async def add(conn: asyncpg.Connection, code: str, name: str, parent: str | None) -> bool:
    """False when the code exists already (a concurrent addition): the caller reads it back."""
    added = await conn.fetchval("INSERT INTO jurisdictions (code, name, parent) VALUES ($1, $2, $3) "
                                "ON CONFLICT (code) DO NOTHING RETURNING true", code, name, parent)
    return bool(added)


async def every(conn: asyncpg.Connection) -> list[dict]:
    """All jurisdictions, each with its parent, by code (a parent's code sorts before its children's)."""
    return [dict(r) for r in await conn.fetch("SELECT code, name, parent FROM jurisdictions ORDER BY code")]


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
