"""Which month a finance desk page shows: the one asked for, else the latest the official's jurisdictions billed, or
the month of the payouts a form has just acted on."""

from __future__ import annotations

import asyncpg


async def chosen_month(conn: asyncpg.Connection, asked: str | None, codes: list[str] | None
                       ) -> tuple[str | None, list[str]]:
    """The month to show (None when nothing is billed yet and none was asked for) and every month billed in `codes`
    (None: anywhere), latest first."""
    months = [r["month"] for r in await conn.fetch(
        "SELECT DISTINCT month FROM cycles WHERE $1::text[] IS NULL OR jurisdiction = ANY($1) ORDER BY month DESC",
        codes)]
    return asked or (months[0] if months else None), months


async def month_of(pool: asyncpg.Pool, payouts: list[str]) -> str | None:
    """The earliest cycle month of these payouts (None for none): where the desk shows what a bank file did."""
    return await pool.fetchval("SELECT min(cycle_month) FROM payouts WHERE number = ANY($1)", payouts)
