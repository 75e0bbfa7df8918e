"""Runs one jurisdiction's cycle of a month once: fetch what is due, plan the difference, fund, number and commit
in one transaction.

A cycle is one county-level jurisdiction's (POLICY "Jurisdictions"): it bills the facilities the jurisdiction
governs in the month, under its rule set, and corrects the earlier months it billed, for the facilities it governed
then (`/due/{m}?jurisdiction=J` answers for those), even if they have moved since. The month is taken a facility
range at a time (the subsidy service cuts the ranges), so a million child-months never sit in memory at once; every
range is written in the same transaction. Two runs of one jurisdiction at once serialise on its advisory lock
(`billing.cycle.locks`); the second finds the cycle row and issues nothing. Another jurisdiction's cycle runs
alongside, until both fund from one fund: then the fund's lock orders them, as it orders the finance actions that
move that fund's money. A crash before commit leaves nothing behind, so a re-run issues every document exactly once.
"""
from __future__ import annotations

import gc
import json
import logging
import time
from collections import Counter
from contextlib import contextmanager

import asyncpg

from billing.cycle import budget, locks, store
from billing.cycle.difference import plan_cycle
from billing.cycle.due import MonthDue
from billing.subsidy_client import SubsidyClient
from tuoyu import faults, metrics
from tuoyu.contracts.due import Fund
from tuoyu.jurisdictions import UNPLACED

log = logging.getLogger(__name__)

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


async def _begin(conn: asyncpg.Connection, subsidy: SubsidyClient, jurisdiction: str, month: str,
                 due: MonthDue) -> Fund | None:
    """Write the cycle row and take the lock of the fund its payouts draw on: the rule set's now, or, where none
    is in force, the fund of the jurisdiction's last subsidised cycle (its corrections are paid from the fund that
    paid the months they correct). None: nothing this jurisdiction billed was ever subsidised."""
    info = None
    if due.ruleset is not None:
        info = {**await subsidy.ruleset_info(month, jurisdiction), "default_budget_fen": due.fund.default_budget_fen}
    await store.begin_cycle(conn, jurisdiction, month, {
        "ruleset_id": due.ruleset and due.ruleset.id, "ruleset_version": due.ruleset and due.ruleset.version,
        "fund": due.fund and due.fund.id, "ruleset_info": info})
    fund = due.fund or (await store.last_funds(conn, [jurisdiction])).get(jurisdiction)
    if fund is not None:
        await locks.fund(conn, fund.id)
    return fund


async def run_cycle(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str,
                    batch_lines: int = 100_000, jurisdiction: str = UNPLACED) -> dict:
    with bulk_allocation():
        return await _run_cycle(pool, subsidy, month, actor, batch_lines, jurisdiction)


async def _run_cycle(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str, batch_lines: int,
                     jurisdiction: str) -> dict:
    """The jurisdiction's cycle, a facility range at a time (about `batch_lines` lines each, over all the months it
    reads, so memory follows the batch, not the month or the year), all in one transaction: a family never spans
    two facilities, and the budget is funded in facility order across the batches, so the result is the same as one
    batch of everything."""
    started = time.perf_counter()
    done = {"month": month, "jurisdiction": jurisdiction, "issued": False, "reason": "already billed"}
    async with pool.acquire() as conn:
        if month in await store.billed_months(conn, jurisdiction):
            return done
    fetching: Counter = Counter()
    phases: Counter = Counter()
    writing: Counter = Counter()
    documents: Counter = Counter()
    amounts: Counter = Counter()
    payouts: list[tuple] = []
    blocked: list[dict] = []
    async with pool.acquire() as conn, conn.transaction():
        await locks.jurisdiction(conn, jurisdiction)
        billed = await store.billed_months(conn, jurisdiction)
        if month in billed:
            return done
        earlier = [m for m in billed if m < month]
        # Each range is read for every billed month of the year: cut them smaller as the year goes on, so that
        # December's cycle holds no more lines at once than September's.
        batches = await subsidy.batches(month, max(1, batch_lines // (1 + len(earlier))), jurisdiction)
        left: dict[int, int] = {}
        fund: Fund | None = None
        for number, facilities in enumerate(batches):
            clock = time.perf_counter()
            due_now = await subsidy.due(month, fetching, facilities, jurisdiction)
            due_earlier = [await subsidy.due(m, fetching, facilities, jurisdiction) for m in earlier]
            phases["fetch_due"] += time.perf_counter() - clock
            if number == 0:
                fund = await _begin(conn, subsidy, jurisdiction, month, due_now)
            clock = time.perf_counter()
            issued = await store.load_issued(conn, jurisdiction, [month, *earlier], facilities)
            phases["load_issued"] += time.perf_counter() - clock
            clock = time.perf_counter()
            result = plan_cycle(month, due_now, due_earlier, issued)
            phases["difference"] += time.perf_counter() - clock
            clock = time.perf_counter()
            if fund is not None:
                new_years = {y for p in result.payouts for y in p.cost_by_year} - set(left)
                left.update(await store.remaining_budget(conn, fund.id, fund.default_budget_fen, new_years))
                left = budget.fund(result.payouts, left)  # facility order carries on from the previous batch
            phases["fund"] += time.perf_counter() - clock
            written = await store.write_cycle(conn, jurisdiction, month, fund and fund.id, result)
            documents.update(written.documents)
            amounts.update(written.amounts)
            writing.update(written.timings)
            payouts += written.payouts
            blocked += [{"service_month": m, "facility": f, "reason": r} for m, f, r in result.blocked]
            del due_now, due_earlier, issued, result, written
        clock = time.perf_counter()
        await store.verify_cycle(conn, jurisdiction, month, {n: (total, lines) for n, _, _, total, lines in payouts})
        writing["verify"] += time.perf_counter() - clock
        await audit(conn, actor, "cycle_run", {"month": month, "jurisdiction": jurisdiction,
                                               "documents": dict(documents),
                                               "corrected_months": earlier, "batches": len(batches),
                                               "blocked": blocked})
        faults.point("KILL_BEFORE_CYCLE_COMMIT")
        before_commit = time.perf_counter()
    finished = time.perf_counter()
    writing["commit"] += finished - before_commit
    for kind, count in documents.items():
        metrics.DOCUMENTS_ISSUED.labels(kind).inc(count)
        metrics.AMOUNT_ISSUED_FEN.labels(kind).inc(amounts.get(kind, 0))
    metrics.CYCLE_SECONDS.observe(finished - started)
    rounded = lambda counter: {k: round(v, 3) for k, v in counter.items()}  # noqa: E731
    timings = {"fetch_due": round(phases["fetch_due"], 3),
               "plan": round(phases["load_issued"] + phases["difference"] + phases["fund"], 3),
               "write": round(sum(writing.values()), 3), "total": round(finished - started, 3),
               "batches": len(batches), "fetch_due_parts": rounded(fetching),
               "plan_parts": rounded(Counter({k: phases[k] for k in ("load_issued", "difference", "fund")})),
               "write_parts": rounded(writing)}
    log.info("cycle %s of %s issued %s in %s", month, jurisdiction, dict(documents), timings)
    statuses = Counter(status for _, _, status, _, _ in payouts)
    return {"month": month, "jurisdiction": jurisdiction, "issued": True,
            "family_documents": documents.get("invoice", 0) + documents.get("credit_note", 0),
            "payouts": len(payouts), "documents": dict(documents), "payout_statuses": dict(statuses),
            "corrected_months": earlier, "blocked": blocked, "seconds": timings}
