"""The residents each county-level jurisdiction's health commission entered, by date (`populations`)."""

from __future__ import annotations

from datetime import date

import asyncpg

_ENTRY = "SELECT code, as_of, residents, recorded_by FROM populations"


async def entry(conn: asyncpg.Connection, code: str, as_of: date) -> dict | None:
    """The figure entered for `code` on exactly `as_of` as {code, as_of, residents, recorded_by}, or None."""
    row = await conn.fetchrow(f"{_ENTRY} WHERE code = $1 AND as_of = $2", code, as_of)
    return dict(row) if row else None


async def record(conn: asyncpg.Connection, code: str, as_of: date, residents: int, recorded_by: str) -> None:
    """Enter the figure, replacing that day's (a correction)."""
    await conn.execute(
        "INSERT INTO populations (code, as_of, residents, recorded_by) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (code, as_of) DO UPDATE SET residents = excluded.residents, recorded_by = excluded.recorded_by, "
        "recorded_at = now()", code, as_of, residents, recorded_by)


async def of(db: asyncpg.Pool | asyncpg.Connection, code: str) -> list[dict]:
    """Every figure entered for `code`, latest date first."""
    return [dict(r) for r in await db.fetch(f"{_ENTRY} WHERE code = $1 ORDER BY as_of DESC", code)]


async def until(db: asyncpg.Pool | asyncpg.Connection, day: date) -> list[tuple[str, date, int]]:
    """Every figure dated on or before `day`, as (code, as_of, residents): the planning figures take each
    jurisdiction's latest (`domain.planning.residents_on`)."""
    return [tuple(r) for r in await db.fetch(
        "SELECT code, as_of, residents FROM populations WHERE as_of <= $1 ORDER BY code, as_of", day)]
