"""The advisory locks billing takes, each in its own class (`pg_advisory_xact_lock(class, hashtext(key))`).

- A jurisdiction's lock serialises its cycles (two runs of one jurisdiction and month at once: the second finds the
  cycle row and issues nothing) and the approval of its payouts; another jurisdiction's cycle runs at the same time.
- A fund's lock is taken, after the jurisdiction's, before a cycle funds its payouts, and by every finance action
  that moves that fund's money (a budget, an approval over budget): two districts under a city's rule set share its
  fund, so they fund one after the other, never against a budget changing under them.
- The payees' lock: approving payouts records each one's payee, so a bank-account confirmation waits for it.
All are transaction locks, released at commit or rollback; the order is jurisdiction, then fund, then payees.
"""

from __future__ import annotations

import asyncpg

JURISDICTION, FUND, PAYEES = 7_531_001, 7_531_002, 7_531_003


async def _lock(conn: asyncpg.Connection, kind: int, key: str) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", kind, key)


async def jurisdiction(conn: asyncpg.Connection, code: str) -> None:
    await _lock(conn, JURISDICTION, code)


async def jurisdictions(conn: asyncpg.Connection, codes) -> None:
    """Several jurisdictions' locks, in code order (so two callers never wait for each other in a circle)."""
    for code in sorted(set(codes)):
        await _lock(conn, JURISDICTION, code)


async def fund(conn: asyncpg.Connection, fund_id: str) -> None:
    await _lock(conn, FUND, fund_id)


async def payees(conn: asyncpg.Connection) -> None:
    await _lock(conn, PAYEES, "")
