"""Document numbers: per kind, jurisdiction and year, from one locked counter row, so they never collide.

INV-2022-330903-000001 is Putuo's first invoice of 2022; the unplaced jurisdiction's documents keep the numbers
they had before jurisdictions (INV-2022-000001). Two jurisdictions' cycles at once each take their own counter.
"""

from __future__ import annotations

import asyncpg

from billing.cycle.documents import CREDIT_NOTE, INVOICE
from tuoyu.jurisdictions import UNPLACED

PREFIX = {INVOICE: "INV", CREDIT_NOTE: "CN", "payout": "PAY"}


def number_prefix(kind: str, jurisdiction: str, year: int) -> str:
    """INV-2022-330903- for a jurisdiction's documents; INV-2022- for the unplaced ones, numbered as before
    jurisdictions. Each jurisdiction counts its own, so two cycles at once never take the same number."""
    code = "" if jurisdiction == UNPLACED else f"{jurisdiction}-"
    return f"{PREFIX[kind]}-{year}-{code}"


async def next_numbers(conn: asyncpg.Connection, kind: str, jurisdiction: str, year: int, count: int) -> list[str]:
    """`count` new numbers such as INV-2022-330903-000001, unique per kind, jurisdiction and year (the counter row
    is locked)."""
    if not count:
        return []
    last = await conn.fetchval(
        "INSERT INTO document_counters (kind, jurisdiction, year, last) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (kind, jurisdiction, year) DO UPDATE SET last = document_counters.last + $4 RETURNING last",
        kind, jurisdiction, year, count)
    prefix = number_prefix(kind, jurisdiction, year)
    return [f"{prefix}{n:06d}" for n in range(last - count + 1, last + 1)]
