"""The planning figures on a day, read for a caller: what the API's `/planning` and the commission's desk show."""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import planning
from enrollment.store import jurisdictions, populations, views


async def figures(pool: asyncpg.Pool, day: date, covers: frozenset[str] | None, within: str | None) -> dict:
    """`domain.planning.figures` of the jurisdictions a caller covering `covers` sees (narrowed to `within`)."""
    async with pool.acquire() as conn:
        every = await jurisdictions.every(conn)
        shown = planning.shown({j["code"]: j["parent"] for j in every}, covers, within)
        rows, reviews = await views.filed_facilities(conn, day)
        counted = planning.counted(rows, reviews, await jurisdictions.histories(conn), day)
        return planning.figures(day, every, counted, await populations.until(conn, day), shown)
