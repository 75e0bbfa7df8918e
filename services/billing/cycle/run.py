"""Runs a month's cycle once: fetch what is due, plan the difference, fund, number and commit in one transaction.

Two runs at once serialise on an advisory lock; the second finds the cycle row and issues nothing. A crash before
commit leaves nothing behind, so a re-run issues every document exactly once.
"""

from __future__ import annotations

import time

import asyncpg

from billing.cycle import budget, store
from billing.cycle.difference import plan_cycle
from billing.subsidy_client import SubsidyClient
from tuoyu import metrics

CYCLE_LOCK = 7_531_001


async def run_cycle(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str) -> dict:
    started = time.perf_counter()
    async with pool.acquire() as conn:
        billed = await store.billed_months(conn)
    if month in billed:
        return {"month": month, "issued": False, "reason": "already billed"}
    earlier = [m for m in billed if m < month]
    due_now = await subsidy.due(month)
    due_earlier = [await subsidy.due(m) for m in earlier]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", CYCLE_LOCK)
        if await conn.fetchval("SELECT 1 FROM cycles WHERE month = $1", month):
            return {"month": month, "issued": False, "reason": "already billed"}
        issued = await store.load_issued(conn, [month, *earlier])
        result = plan_cycle(month, due_now, due_earlier, issued)
        years = {int(l.service_month[:4]) for p in result.payouts for l in p.lines}
        left = await store.remaining_budget(conn, due_now.fund, due_now.default_budget, years)
        budget.fund(result.payouts, left)
        await store.write_cycle(conn, month, (due_now.ruleset_id, due_now.ruleset_version), result)
        await conn.execute(
            "INSERT INTO audit_trail (actor, action, detail) VALUES ($1, 'cycle_run', $2)", actor,
            f'{{"month": "{month}", "family_documents": {len(result.family_documents)}, '
            f'"payouts": {len(result.payouts)}}}')
    metrics.CYCLE_SECONDS.observe(time.perf_counter() - started)
    return {"month": month, "issued": True, "family_documents": len(result.family_documents),
            "payouts": len(result.payouts)}
