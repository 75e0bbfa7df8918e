"""Runs a month's cycle once: fetch what is due, plan the difference, fund, number and commit in one transaction.

Two runs at once serialise on an advisory lock; the second finds the cycle row and issues nothing. A crash before
commit leaves nothing behind, so a re-run issues every document exactly once. Finance actions that move payouts
(`billing.payouts`) take the same lock, so a cycle never funds against a budget that is changing under it.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections import Counter
from contextlib import contextmanager

import asyncpg

from billing.cycle import budget, store
from billing.cycle.difference import plan_cycle
from billing.subsidy_client import SubsidyClient
from tuoyu import faults, metrics

log = logging.getLogger(__name__)

CYCLE_LOCK = 7_531_001


async def audit(conn: asyncpg.Connection, actor: str, action: str, detail: dict) -> None:
    """One row of the finance audit trail, in the caller's transaction."""
    await conn.execute("INSERT INTO audit_trail (actor, action, detail) VALUES ($1, $2, $3)", actor, action,
                       json.dumps(detail, ensure_ascii=False))


@contextmanager
def bulk_allocation():
    """No cyclic garbage collection while a cycle builds millions of small objects (lists of ids, texts): the
    collector would walk them again and again (a third of a million-line cycle's planning time); none of them
    form cycles, so reference counting frees them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def run_cycle(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str) -> dict:
    with bulk_allocation():
        return await _run_cycle(pool, subsidy, month, actor)


async def _run_cycle(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str) -> dict:
    started = time.perf_counter()
    async with pool.acquire() as conn:
        billed = await store.billed_months(conn)
    if month in billed:
        return {"month": month, "issued": False, "reason": "already billed"}
    fetching: Counter = Counter()
    due_now = await subsidy.due(month, fetching)
    earlier = {m: await subsidy.due(m, fetching) for m in billed if m < month}
    ruleset_info = await subsidy.ruleset_info(month)
    fetched = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", CYCLE_LOCK)
        billed = await store.billed_months(conn)
        if month in billed:
            return {"month": month, "issued": False, "reason": "already billed"}
        for m in billed:  # billed by another cycle since we looked: correct it too
            if m < month and m not in earlier:
                earlier[m] = await subsidy.due(m, fetching)
        locked = time.perf_counter()
        issued = await store.load_issued(conn, [month, *earlier])
        loaded = time.perf_counter()
        result = plan_cycle(month, due_now, list(earlier.values()), issued)
        differenced = time.perf_counter()
        years = {y for p in result.payouts for y in p.cost_by_year}
        left = await store.remaining_budget(conn, due_now.fund, due_now.default_budget, years)
        budget.fund(result.payouts, left)
        planned = time.perf_counter()
        written = await store.write_cycle(conn, month, {
            "ruleset_id": due_now.ruleset_id, "ruleset_version": due_now.ruleset_version, "fund": due_now.fund,
            "ruleset_info": {**ruleset_info, "default_budget_fen": due_now.default_budget}}, result)
        await audit(conn, actor, "cycle_run", {"month": month, "documents": written.documents,
                                               "corrected_months": sorted(earlier)})
        faults.point("KILL_BEFORE_CYCLE_COMMIT")
        before_commit = time.perf_counter()
    finished = time.perf_counter()
    for kind, count in written.documents.items():
        metrics.DOCUMENTS_ISSUED.labels(kind).inc(count)
        metrics.AMOUNT_ISSUED_FEN.labels(kind).inc(written.amounts.get(kind, 0))
    metrics.CYCLE_SECONDS.observe(finished - started)
    timings = {"fetch_due": round(fetched - started, 3), "plan": round(planned - fetched, 3),
               "write": round(finished - planned, 3), "total": round(finished - started, 3),
               "fetch_due_parts": {k: round(v, 3) for k, v in fetching.items()},
               "plan_parts": {"lock": round(locked - fetched, 3), "load_issued": round(loaded - locked, 3),
                              "difference": round(differenced - loaded, 3), "fund": round(planned - differenced, 3)},
               "write_parts": {**written.timings, "commit": round(finished - before_commit, 3)}}
    log.info("cycle %s issued %s in %s", month, written.documents, timings)
    statuses: dict[str, int] = {}
    for _, _, status, _ in written.payouts:
        statuses[status] = statuses.get(status, 0) + 1
    return {"month": month, "issued": True,
            "family_documents": written.documents.get("invoice", 0) + written.documents.get("credit_note", 0),
            "payouts": len(written.payouts), "documents": written.documents, "payout_statuses": statuses,
            "corrected_months": sorted(earlier), "seconds": timings}
